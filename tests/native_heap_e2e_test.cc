// End-to-end: the native example (examples/native/leaky_server), unchanged
// and not rebuilt, soaked with the allocation shim soak preloads by default
// (--native-heap auto). The soaks run once, in parallel, in a fixture shared
// by the cases (one ctest entry, NativeHeapE2E): about 65 s in all (the
// fragmenting case runs 60 s, the others 30 s, side by side).
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

fs::path leaky_server() { return testing::build_dir() / "examples" / "native" / "leaky_server"; }
fs::path go_example() { return testing::build_dir() / "examples" / "go" / "soak-go-example"; }

// The line of leaky_server.cc whose malloc leaks under --leak memory.
int leak_line() {
  std::ifstream f(testing::source_dir() / "examples" / "native" / "leaky_server.cc");
  std::string line;
  for (int n = 1; std::getline(f, line); ++n)
    if (line.find("std::malloc(o.leak_bytes)") != std::string::npos) return n;
  return 0;
}

struct Outcome {
  testing::CommandResult cmd;
  json summary, run;
  fs::path dir;
};

json read_json(const fs::path& p) {
  std::ifstream f(p);
  if (!f) return json();
  return json::parse(f, nullptr, false);
}

struct Case {
  std::vector<std::string> server_flags;
  std::string duration = "30s";
  std::string budget = "heap=1MiB/h";
};

// A soak of leaky_server with the given server flags under 50 req/s (the
// defaults a new user gets otherwise).
Outcome soak_native(const Case& c, const fs::path& out) {
  int port = testing::free_port();
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::vector<std::string> argv = {testing::soak_binary().string(), "run", "--duration", c.duration, "--out",
                                   out.string(), "--style", "none", "--ready", base + "/healthz", "--workload",
                                   base + "/api", "--rate", "50", "--budget", c.budget, "--", leaky_server().string(),
                                   "--port", std::to_string(port)};
  const auto& server_flags = c.server_flags;
  argv.insert(argv.end(), server_flags.begin(), server_flags.end());
  Outcome o;
  o.cmd = testing::run_command(argv, 120);
  o.summary = read_json(out / "summary.json");
  o.run = read_json(out / "run.json");
  o.dir = out;
  return o;
}

const json* budget_of(const json& summary, const std::string& spec) {
  if (!summary.is_object() || !summary.contains("budgets")) return nullptr;
  for (const auto& b : summary["budgets"])
    if (b.value("spec", "") == spec) return &b;
  return nullptr;
}

std::string describe(const Outcome& o) {
  return "exit " + std::to_string(o.cmd.exit_code) + "\nstdout: " + o.cmd.out + "\nstderr: " + o.cmd.err +
         "\nsummary: " + o.summary.dump(1).substr(0, 4000);
}

class NativeHeapE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new testing::TempDir();
    const std::map<std::string, Case> cases = {
        // 4 KiB per request: 50 req/s leak ~700 MiB/h, far over the budget.
        {"leak", {{"--leak", "memory", "--leak-bytes", "4096"}}},
        {"healthy", {{"--leak", "none"}}},
        // No leak, but an allocation pattern that fragments glibc's heap
        // (docs/probes-proc.md): its live heap moves by tens of KiB from
        // request to request (what is in flight, the shim's per-thread
        // batches), so it runs 60 s against a budget of 10 MiB/h.
        {"bursts", {{"--bursts"}, "60s", "heap=10MiB/h"}},
    };
    outcomes_ = new std::map<std::string, Outcome>();
    std::mutex mu;
    std::vector<std::thread> pool;
    for (const auto& [name, c] : cases)
      pool.emplace_back([&, name = name, c = c] {
        Outcome o = soak_native(c, root_->path() / name);
        std::lock_guard lock(mu);
        (*outcomes_)[name] = std::move(o);
      });
    for (auto& t : pool) t.join();
  }
  static void TearDownTestSuite() {
    delete outcomes_;
    delete root_;
  }
  static const Outcome& outcome(const std::string& name) { return outcomes_->at(name); }

  static testing::TempDir* root_;
  static std::map<std::string, Outcome>* outcomes_;
};
testing::TempDir* NativeHeapE2E::root_ = nullptr;
std::map<std::string, Outcome>* NativeHeapE2E::outcomes_ = nullptr;

// The run ended with `exit_code`, its budget `spec` was judged on
// heap_bytes, and its verdict (empty when something is missing).
std::string heap_verdict(const Outcome& o, int exit_code, const std::string& spec) {
  EXPECT_EQ(o.cmd.exit_code, exit_code) << describe(o);
  const json* b = budget_of(o.summary, spec);
  EXPECT_NE(b, nullptr) << describe(o);
  if (!b) return "";
  EXPECT_EQ((*b)["series"], "heap_bytes");
  return (*b).value("verdict", "");
}

// No native allocation site is named (growth within a bounded structure,
// or churn, is not growth).
void expect_no_native_culprit(const Outcome& o) {
  for (const auto& c : o.summary.value("culprits", json::array()))
    EXPECT_NE(c.value("kind", ""), "native_heap") << describe(o);
}

TEST_F(NativeHeapE2E, AMallocLeakFailsOnHeapBytes) {
  const Outcome& o = outcome("leak");
  ASSERT_EQ(heap_verdict(o, 1, "heap=1MiB/h"), "fail") << describe(o);
  const json* b = budget_of(o.summary, "heap=1MiB/h");
  // 50 req/s * 4 KiB (usable 4104 B) ~ 700 MiB/h.
  EXPECT_GT((*b)["observed"].get<double>(), 300.0 * 1048576) << describe(o);
  EXPECT_EQ(o.run["native_heap"]["active"], true);
  EXPECT_EQ(o.run["native_heap"]["sample_interval_bytes"], 16384);  // 1 MiB/h over 27 s: the minimum

  // The allocating line is named: the shim's sites at warm-up end and at the
  // end, symbolised (the example is built with -g), the top growth first.
  std::string where = "leaky_server.cc:" + std::to_string(leak_line());
  ASSERT_TRUE(o.summary.contains("culprits")) << describe(o);
  const json* top = nullptr;
  for (const auto& c : o.summary["culprits"])
    if (c.value("kind", "") == "native_heap" && !top) top = &c;
  ASSERT_NE(top, nullptr) << describe(o);
  EXPECT_EQ((*top)["function"], "leak_one") << describe(o);
  EXPECT_EQ((*top)["location"], where) << describe(o);
  EXPECT_GT((*top)["after"].get<double>() - (*top)["before"].get<double>(), 1.0 * 1048576) << describe(o);
  EXPECT_TRUE(fs::exists(o.dir / "profiles" / "warmup_end-native-heap.txt"));
  EXPECT_TRUE(fs::exists(o.dir / "profiles" / "end-native-heap.txt"));
  // ... in the verdict table soak run prints, summary.md and report.html.
  std::string line = " at leak_one (" + where + ")";
  EXPECT_THAT(o.cmd.out, HasSubstr("top culprit: heap ")) << describe(o);
  EXPECT_THAT(o.cmd.out, HasSubstr(" MiB" + line + "\n")) << describe(o);
  EXPECT_THAT(testing::read_file(o.dir / "summary.md"),  // Markdown escapes '_'
              HasSubstr(" at leak\\_one (leaky\\_server.cc:" + std::to_string(leak_line()) + ")"));
  EXPECT_THAT(testing::read_file(o.dir / "report.html"), HasSubstr("at leak_one (" + where + ")"));
}

TEST_F(NativeHeapE2E, HealthyChurnPassesOnHeap) {
  const Outcome& o = outcome("healthy");
  EXPECT_EQ(heap_verdict(o, 0, "heap=1MiB/h"), "pass") << describe(o);
  expect_no_native_culprit(o);
  bool has_allocs = false;
  for (const auto& s : o.summary["series"]) has_allocs = has_allocs || s["name"] == "heap_allocs";
  EXPECT_TRUE(has_allocs);
}

double series_figure(const json& summary, const std::string& name, const std::string& field) {
  for (const auto& s : summary.value("series", json::array()))
    if (s.value("name", "") == name && s.contains(field) && s[field].is_number()) return s[field].get<double>();
  return -1;
}

TEST_F(NativeHeapE2E, AFragmentingAllocationPatternPassesOnHeapWhileRssHoldsSeveralTimesMore) {
  const Outcome& o = outcome("bursts");
  // The run passes (exit 0) and the heap is never judged to grow. With
  // requests in flight at the readings, 60 s on a loaded machine does not
  // always resolve 10 MiB/h: pass, or inconclusive (which passes by
  // default, without --strict); 2 of 3 were inconclusive with three such
  // soaks in parallel.
  EXPECT_THAT(heap_verdict(o, 0, "heap=10MiB/h"), ::testing::AnyOf("pass", "inconclusive")) << describe(o);
  expect_no_native_culprit(o);
  // What RSS shows instead: glibc holds the pages the scattered cache
  // entries pin, several times the live heap (about 2.2-3.5 MiB live,
  // 11-51 MiB of RSS in development runs).
  double heap_max = series_figure(o.summary, "heap_bytes", "max");
  double rss_last = series_figure(o.summary, "rss_anon_bytes", "last");
  ASSERT_GT(heap_max, 0) << describe(o);
  EXPECT_GT(rss_last, 3 * heap_max) << describe(o);
}

TEST(NativeHeapGo, TheGoExampleRunsUnderAutoAndIsRefusedUnderOn) {
  testing::TempDir tmp;
  int port = testing::free_port();
  std::string addr = "127.0.0.1:" + std::to_string(port);
  auto on = testing::run_command({testing::soak_binary().string(), "run", "--duration", "5s", "--native-heap", "on",
                                  "--out", (tmp / "on").string(), "--", go_example().string(), "--addr", addr},
                                 60);
  EXPECT_EQ(on.exit_code, 2) << on.err;
  EXPECT_THAT(on.err, HasSubstr("is a Go program"));
  EXPECT_FALSE(fs::exists(tmp / "on"));

  auto run = testing::run_command({testing::soak_binary().string(), "run", "--duration", "5s", "--style", "none",
                                   "--ready", "http://" + addr + "/healthz", "--budget", "heap=100MiB/h", "--out",
                                   (tmp / "auto").string(), "--", go_example().string(), "--addr", addr},
                                  60);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("no allocation shim"));
  json summary = read_json(tmp / "auto" / "summary.json");
  const json* b = budget_of(summary, "heap=100MiB/h");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ((*b)["series"], "rss_anon_bytes");  // the fall-back, as before
  EXPECT_EQ(read_json(tmp / "auto" / "run.json")["native_heap"]["active"], false);
}

}  // namespace
}  // namespace soak
