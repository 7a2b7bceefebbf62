#include "harness/native_heap.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/config.h"
#include "harness/validate.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::TempDir;

fs::path dynamic_program() { return testing::build_dir() / "shim" / "soakheap_child"; }
fs::path static_program() { return testing::build_dir() / "shim" / "soakheap_child_static"; }

Budget budget(const char* spec) {
  auto b = parse_budget(spec);
  EXPECT_TRUE(b) << spec;
  return *b;
}

TEST(NativeHeap, ModesParse) {
  EXPECT_EQ(*parse_native_heap_mode("auto"), NativeHeapMode::kAuto);
  EXPECT_EQ(*parse_native_heap_mode("on"), NativeHeapMode::kOn);
  EXPECT_EQ(*parse_native_heap_mode("off"), NativeHeapMode::kOff);
  auto bad = parse_native_heap_mode("yes");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.message(), "expected auto, on or off");
}

TEST(NativeHeap, ExecutablesAreToldApartFromTheirElfHeaders) {
  auto dyn = inspect_executable(dynamic_program(), "");
  ASSERT_TRUE(dyn) << dyn.message();
  EXPECT_EQ(dyn->kind, ExecutableFacts::Kind::kDynamic);

  auto st = inspect_executable(static_program(), "");
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(st->kind, ExecutableFacts::Kind::kStatic);
  EXPECT_THAT(st->why, HasSubstr("statically linked"));

  TempDir tmp;
  // A script is judged by its interpreter, also through env(1).
  testing::write_file(tmp / "run.sh", "#!/bin/sh\nexec ./server\n");
  auto sh = inspect_executable(tmp / "run.sh", "");
  ASSERT_TRUE(sh) << sh.message();
  EXPECT_EQ(sh->kind, ExecutableFacts::Kind::kDynamic);
  EXPECT_THAT(sh->why, HasSubstr("script run by /bin/sh"));
  testing::write_file(tmp / "static.sh", "#!/usr/bin/env soakheap_child_static\n");
  auto viaenv = inspect_executable(tmp / "static.sh", static_program().parent_path().string());
  ASSERT_TRUE(viaenv) << viaenv.message();
  EXPECT_EQ(viaenv->kind, ExecutableFacts::Kind::kStatic);

  testing::write_file(tmp / "text", "hello");
  auto text = inspect_executable(tmp / "text", "");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->kind, ExecutableFacts::Kind::kNotNative);
  // Truncated ELF: not native, no crash.
  std::string elf = testing::read_file(dynamic_program());
  testing::write_file(tmp / "cut", elf.substr(0, 100));
  auto cut = inspect_executable(tmp / "cut", "");
  ASSERT_TRUE(cut);
  EXPECT_NE(cut->kind, ExecutableFacts::Kind::kDynamic);

  auto missing = inspect_executable(tmp / "missing", "");
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.message(), HasSubstr("missing"));
}

TEST(NativeHeap, TheSamplingIntervalGivesABudgetSizedLeakAHundredSamples) {
  using std::chrono::hours;
  using std::chrono::minutes;
  std::string basis;
  // 10 MiB/h over 2 h with a 12 min warm-up: 10 MiB * 1.8 h / 100.
  EXPECT_EQ(heap_sample_interval({budget("heap=10MiB/h")}, hours(2), minutes(12), 100, &basis),
            static_cast<uint64_t>(10.0 * 1048576 * 1.8 / 100 + 0.5));
  EXPECT_THAT(basis, HasSubstr("heap=10MiB/h over 1.8 h after warm-up / 100 samples"));
  // The smallest memory slope budget counts; auto warm-up is 10 %.
  EXPECT_EQ(heap_sample_interval({budget("rss=50MiB/h"), budget("heap=20MiB/h"), budget("fds=0/h")}, hours(1),
                                 std::nullopt, 100, nullptr),
            static_cast<uint64_t>(20.0 * 1048576 * 0.9 / 100 + 0.5));
  // Per request at the workload's rate: 100 B/req * 50 req/s = 18e6 B/h.
  EXPECT_EQ(heap_sample_interval({budget("heap=100B/req")}, hours(1), minutes(0), 50, nullptr), 180000u);
  // Clamped; no memory budget: 512 KiB.
  EXPECT_EQ(heap_sample_interval({budget("heap=1MiB/h")}, minutes(1), std::nullopt, 100, &basis), 16384u);
  EXPECT_THAT(basis, HasSubstr("raised to the 16 KiB minimum"));
  EXPECT_EQ(heap_sample_interval({budget("heap=1GiB/h")}, hours(24), std::nullopt, 100, nullptr), 2097152u);
  EXPECT_EQ(heap_sample_interval({budget("heap<=1GiB")}, hours(1), std::nullopt, 100, &basis), 524288u);
  EXPECT_THAT(basis, HasSubstr("default"));
}

RunConfig config_for(const TempDir& tmp, fs::path program, NativeHeapMode mode) {
  RunConfig c;
  c.duration = std::chrono::seconds(10);
  c.command = {program.string()};
  c.out = tmp / "out";
  c.native_heap.mode = mode;
  return c;
}

TEST(NativeHeap, OnIsRefusedBeforeLaunchForAStaticProgramSayingWhy) {
  TempDir tmp;
  RunConfig c = config_for(tmp, static_program(), NativeHeapMode::kOn);
  auto st = validate_run_config(c);
  ASSERT_FALSE(st);
  EXPECT_THAT(st.message(), HasSubstr("--native-heap/probes.native_heap \"on\""));
  EXPECT_THAT(st.message(), HasSubstr("soakheap_child_static is statically linked"));
  EXPECT_FALSE(fs::exists(tmp / "out"));
}

TEST(NativeHeap, AutoFallsBackWithANoteForAStaticProgram) {
  TempDir tmp;
  RunConfig c = config_for(tmp, static_program(), NativeHeapMode::kAuto);
  ASSERT_TRUE(validate_run_config(c));
  EXPECT_FALSE(c.native_heap.shim);
  EXPECT_THAT(c.native_heap.note, HasSubstr("statically linked"));
  EXPECT_THAT(c.native_heap.note, HasSubstr("rss_anon_bytes"));
  EXPECT_FALSE(probe_options(c).native_heap_dir);
  // A heap_bytes budget is then a configuration error (nothing produces it).
  c.budgets = {budget("heap_bytes=1MiB/h")};
  auto st = validate_run_config(c);
  ASSERT_FALSE(st);
  EXPECT_THAT(st.message(), HasSubstr("heap_bytes"));
}

TEST(NativeHeap, AutoPreloadsTheShimIntoADynamicProgram) {
  TempDir tmp;
  RunConfig c = config_for(tmp, dynamic_program(), NativeHeapMode::kAuto);
  c.budgets = {budget("heap=1MiB/h")};
  ASSERT_TRUE(validate_run_config(c));
  ASSERT_TRUE(c.native_heap.shim);
  EXPECT_EQ(c.native_heap.shim->filename(), "libsoakheap.so");
  EXPECT_EQ(*probe_options(c).native_heap_dir, c.out / "heap");
  std::map<std::string, std::string> env{{"LD_PRELOAD", "/x/other.so"}};
  ASSERT_TRUE(add_native_heap_env(c.native_heap, tmp / "out" / "heap", env));
  EXPECT_EQ(env["LD_PRELOAD"], c.native_heap.shim->string() + ":/x/other.so");
  EXPECT_EQ(env["SOAK_HEAP_DIR"], (tmp / "out" / "heap").string());
  EXPECT_EQ(env["SOAK_HEAP_SAMPLE_BYTES"], "16384");
  EXPECT_TRUE(fs::is_directory(tmp / "out" / "heap"));
  auto j = native_heap_json(c.native_heap);
  EXPECT_EQ(j["sample_interval_bytes"], 16384);
  EXPECT_EQ(j["active"], true);

  c.native_heap.mode = NativeHeapMode::kOff;
  c.force = true;  // out/ now holds heap/
  ASSERT_TRUE(validate_run_config(c));
  EXPECT_FALSE(c.native_heap.shim);
}

TEST(NativeHeap, AMissingShimIsNamedWithWhereItWasLookedFor) {
  TempDir tmp;
  ::setenv("SOAK_HEAP_SHIM", (tmp / "nope.so").c_str(), 1);
  RunConfig c = config_for(tmp, dynamic_program(), NativeHeapMode::kOn);
  auto st = validate_run_config(c);
  ::unsetenv("SOAK_HEAP_SHIM");
  ASSERT_FALSE(st);
  EXPECT_THAT(st.message(), HasSubstr("SOAK_HEAP_SHIM="));
  EXPECT_THAT(st.message(), HasSubstr("nope.so\": no such file"));
}

}  // namespace
}  // namespace soak
