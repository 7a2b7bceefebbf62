// Native heap profiles: a real program with the shim preloaded answers dump
// requests, its sites are symbolised with libdw and the growing one is named
// with its file:line; the growth ranking and its noise floor on profile
// texts; malformed profiles.
#include "probes/heap_profile.h"

#include <signal.h>

#include <chrono>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "probes/heap_probe.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::TempDir;

fs::path shim() { return testing::build_dir() / "libsoakheap.so"; }
fs::path child_program() { return testing::build_dir() / "shim" / "soakheap_child"; }

// The line of soakheap_child.cc with grow_here's malloc.
int grow_line() {
  std::ifstream f(testing::source_dir() / "shim" / "soakheap_child.cc");
  std::string line;
  for (int n = 1; std::getline(f, line); ++n)
    if (line.find("the growing site the tests look for") != std::string::npos) return n;
  return 0;
}

TEST(NativeHeapProfile, TheGrowingSiteOfARealProgramIsNamedWithItsFileAndLine) {
  TempDir tmp;
  fs::path pages = tmp / "heap", log = tmp / "sites.log";
  fs::create_directories(pages);
  testing::Background child({"/usr/bin/env", "LD_PRELOAD=" + shim().string(), "SOAK_HEAP_DIR=" + pages.string(),
                             "SOAK_HEAP_SAMPLE_BYTES=4096", child_program().string(), "sites"},
                            log);
  ProcReader proc;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto p = read_heap_pages(pages, proc);
        return p && p->size() == 1 && testing::read_file(log).find("waiting") != std::string::npos;
      },
      60))
      << testing::read_file(log);

  auto profile = [&](const std::string& label) {
    auto raw = request_heap_dumps(pages, pages / (label + ".sites"), std::chrono::seconds(30), proc);
    EXPECT_TRUE(raw) << raw.message();
    EXPECT_EQ(raw ? raw->size() : 0, 1u);
    fs::path out = tmp / (label + "-native-heap.txt");
    auto st = write_heap_profile(raw ? *raw : std::vector<fs::path>{}, out);
    EXPECT_TRUE(st) << st.message();
    return testing::read_file(out);
  };
  std::string before = profile("warmup_end");
  ::kill(child.pid(), SIGUSR1);
  ASSERT_TRUE(testing::wait_for_text(log, "grown", 60)) << testing::read_file(log);
  std::string after = profile("end");
  ::kill(child.pid(), SIGUSR1);
  EXPECT_EQ(child.wait(30), 0);

  auto parsed = parse_heap_profile_text(after);
  ASSERT_TRUE(parsed) << parsed.message();
  EXPECT_EQ(parsed->sample_interval, 4096);

  auto culprits = native_heap_culprits(before, after, 5);
  ASSERT_FALSE(culprits.empty()) << after;
  const Culprit& c = culprits.front();
  EXPECT_EQ(c.kind, "native_heap");
  EXPECT_EQ(c.function, "grow_here") << after;
  EXPECT_EQ(c.location, "soakheap_child.cc:" + std::to_string(grow_line())) << after;
  // 64 blocks of 16 KiB (usable 16,392 B), nearly all sampled at a 4 KiB
  // mean: the estimate is unbiased, well within a factor of two.
  EXPECT_GT(c.after - c.before, 0.5 * 64 * 16384) << after;
  EXPECT_LT(c.after - c.before, 2.0 * 64 * 16384) << after;
  // The caller chain, innermost first, outside the shim: grow_here, sites, main.
  ASSERT_GE(c.frames.size(), 3u);
  EXPECT_THAT(c.frames[0], HasSubstr("grow_here "));
  EXPECT_THAT(c.frames[1], HasSubstr("sites "));
  EXPECT_THAT(c.frames[2], HasSubstr("main "));
}

std::string site(double bytes, const std::string& frames) {
  return "site " + std::to_string(static_cast<long long>(bytes)) + " 10\n" + frames;
}
const std::string kHandle =
    "frame operator new\t\t0\t/usr/lib/x86_64-linux-gnu/libstdc++.so.6\n"
    "frame std::vector<int>::_M_realloc_insert\t/usr/include/c++/12/bits/vector.tcc\t453\t/srv/server\n"
    "frame handle_request\t/src/server.cc\t212\t/srv/server\n"
    "frame main\t/src/server.cc\t40\t/srv/server\n";
const std::string kChurn = "frame parse\t/src/parser.cc\t7\t/srv/server\nframe main\t/src/server.cc\t41\t/srv/server\n";
const std::string kStripped = "frame grow\t\t0\t/srv/stripped\nframe main\t\t0\t/srv/stripped\n";

TEST(NativeHeapCulprits, TheFrameToFixIsTheFirstOutsideTheRuntimeAndTheStandardLibrary) {
  std::string before = "sample_interval 16384\n" + site(1e6, kHandle) + site(1e6, kChurn);
  std::string after = "sample_interval 16384\n" + site(48e6, kHandle) + site(1.05e6, kChurn);
  auto c = native_heap_culprits(before, after, 10);
  ASSERT_EQ(c.size(), 1u);  // the churning site moved by less than its sampling noise
  EXPECT_EQ(c[0].function, "handle_request");
  EXPECT_EQ(c[0].location, "server.cc:212");
  EXPECT_EQ(c[0].before, 1e6);
  EXPECT_EQ(c[0].after, 48e6);
  EXPECT_EQ(c[0].frames.front(), "operator new (libstdc++.so.6)");
  EXPECT_EQ(c[0].frames[2], "handle_request /src/server.cc:212");
}

TEST(NativeHeapCulprits, WithoutDebugInfoTheFunctionAndModuleAreNamed) {
  auto c = native_heap_culprits("", "sample_interval 16384\n" + site(8e6, kStripped), 10);
  ASSERT_EQ(c.size(), 1u);  // no warm-up profile: growth from nothing
  EXPECT_EQ(c[0].function, "grow");
  EXPECT_EQ(c[0].location, "stripped");
  EXPECT_EQ(c[0].before, 0);
}

TEST(NativeHeapCulprits, GrowthWithinTheSamplingNoiseNamesNobody) {
  // 3 * sqrt(512 KiB * 25 MB) is about 10.9 MB: a 5 MB move of a 10 MB site
  // sampled every 512 KiB is noise; two intervals are the floor.
  std::string before = "sample_interval 524288\n" + site(10e6, kHandle) + site(0, kChurn);
  std::string after = "sample_interval 524288\n" + site(15e6, kHandle) + site(0.9e6, kChurn);
  EXPECT_TRUE(native_heap_culprits(before, after, 10).empty());
  // The same moves measured every 16 KiB are growth.
  auto c = native_heap_culprits("sample_interval 16384\n" + site(10e6, kHandle),
                                "sample_interval 16384\n" + site(15e6, kHandle), 10);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].function, "handle_request");
}

TEST(NativeHeapCulprits, StacksThatReachTheSameLineAreOneSite) {
  // A cache filled at start-up (fill_cache -> new_node) whose entries are
  // replaced by nodes from requests (handle -> new_node): each stack moves a
  // lot, the line does not.
  const std::string start = "frame new_node\t/src/s.cc\t9\t/srv/s\nframe fill_cache\t/src/s.cc\t20\t/srv/s\n";
  const std::string request = "frame new_node\t/src/s.cc\t9\t/srv/s\nframe handle\t/src/s.cc\t30\t/srv/s\n";
  std::string before = "sample_interval 16384\n" + site(10e6, start) + site(1e6, request);
  std::string after = "sample_interval 16384\n" + site(2e6, start) + site(9.1e6, request);
  EXPECT_TRUE(native_heap_culprits(before, after, 10).empty());
  // When the line grows, it is named once, with the frames of its largest stack.
  auto c = native_heap_culprits(before, "sample_interval 16384\n" + site(9e6, start) + site(30e6, request), 10);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].function, "new_node");
  EXPECT_EQ(c[0].location, "s.cc:9");
  EXPECT_EQ(c[0].before, 11e6);
  EXPECT_EQ(c[0].after, 39e6);
  EXPECT_EQ(c[0].frames[1], "handle /src/s.cc:30");
}

TEST(NativeHeapCulprits, SitesAreRankedByGrowthAndCutAtTopN) {
  std::string after = "sample_interval 16384\n" + site(5e6, kChurn) + site(9e6, kHandle) + site(7e6, kStripped);
  auto c = native_heap_culprits("", after, 2);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].function, "handle_request");
  EXPECT_EQ(c[1].function, "grow");
}

TEST(NativeHeapProfile, AMalformedProfileNamesTheLine) {
  auto p = parse_heap_profile_text("sample_interval 16384\nframe main\t\t0\tx\n");
  ASSERT_FALSE(p);
  EXPECT_THAT(p.message(), HasSubstr("line 2"));
  p = parse_heap_profile_text("site 10 1\nframe main only two\tfields\n");
  ASSERT_FALSE(p);
  EXPECT_THAT(p.message(), HasSubstr("4 tab-separated fields"));
  p = parse_heap_profile_text("site many\n");
  ASSERT_FALSE(p);
  EXPECT_THAT(p.message(), HasSubstr("line 1: bad site line"));
  // A broken end profile names nobody instead of failing the run.
  EXPECT_TRUE(native_heap_culprits("", "site many\n", 10).empty());
}

TEST(NativeHeapProfile, AProfileThatCannotBeWrittenIsAnErrorNamingIt) {
  auto st = write_heap_profile({}, "/nonexistent-dir/end-native-heap.txt");
  ASSERT_FALSE(st);
  EXPECT_THAT(st.message(), HasSubstr("/nonexistent-dir/end-native-heap.txt"));
}

}  // namespace
}  // namespace soak
