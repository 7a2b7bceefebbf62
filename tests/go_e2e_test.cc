// End to end: the real soak binary soaks the Go example service in every
// mode. Each leak mode must fail on the series it leaks and name the
// responsible function among the top culprits of summary.json; each healthy
// mode must pass with no false alarm. Runs go in parallel batches to keep the
// file around a minute and a half.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct ModeCase {
  std::string mode;
  std::vector<std::string> failing;  // budget series expected to fail (empty: all pass)
  std::string culprit;               // function expected among the top culprits
};

// Leak modes: the series each leaks, the function pprof blames.
const std::vector<ModeCase> kLeaks = {
    {"goroutine", {"goroutines"}, "main.blockedSender"},
    {"loop", {"goroutines"}, "main.pollForever"},
    {"ticker", {"goroutines"}, "main.tickForever"},
    // The leaked goroutines are the transport's: pprof can only blame them.
    {"body", {"goroutines", "fds"}, "net/http.(*persistConn).readLoop"},
    {"rows", {"fds"}, "main.(*db).query"},
    // "heap" resolves to go_heap_live_bytes (gctrace). NOTE: a leaking Go heap
    // collects ever more rarely (each GC waits for the heap to double), so
    // 20 s give few live-heap points; HeapAlloc is no substitute in 20 s (an
    // idle heap rises between GCs too). See docs/go.md.
    {"cache", {"go_heap_live_bytes"}, "main.cacheValue"},
    {"slices", {"go_heap_live_bytes"}, "main.readRecord"},
    {"closures", {"go_heap_live_bytes"}, "main.leakClosures"},
};

const std::vector<std::string> kHealthy = {
    "none",       "goroutine-fixed", "loop-fixed",     "ticker-fixed", "body-fixed",
    "rows-fixed", "bounded-cache",   "slices-fixed", "closures-fixed", "sawtooth",
};

fs::path example() { return testing::build_dir() / "examples/go/soak-go-example"; }

struct Outcome {
  testing::CommandResult cmd;
  json summary;
  std::string error;
};

Outcome soak_mode(const std::string& mode, const fs::path& out) {
  int port = testing::free_port();
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::vector<std::string> argv = {
      testing::soak_binary().string(), "run", "--duration", "20s", "--interval", "500ms",
      "--out", out.string(), "--style", "none", "--ready", base + "/healthz",
      "--go", base, "--go-interval", "500ms", "--gctrace", "--workload", base + "/work", "--rate", "100", "--connections", "4",
      "--budget", "goroutines=0/h", "--budget", "fds=0/h", "--budget", "heap=200MiB/h",
      "--", example().string(), "--addr", "127.0.0.1:" + std::to_string(port), "--mode", mode};
  Outcome o;
  o.cmd = testing::run_command(argv, 90);
  std::ifstream f(out / "summary.json");
  if (!f) {
    o.error = "no summary.json; exit " + std::to_string(o.cmd.exit_code) + "; stderr: " + o.cmd.err;
    return o;
  }
  o.summary = json::parse(f, nullptr, false);
  if (o.summary.is_discarded()) o.error = "summary.json does not parse";
  return o;
}

// Runs every mode, at most `parallel` at a time.
std::map<std::string, Outcome> soak_all(const std::vector<std::string>& modes, const fs::path& root,
                                        size_t parallel = 6) {
  std::map<std::string, Outcome> results;
  std::mutex mu;
  size_t next = 0;
  std::vector<std::thread> pool;
  for (size_t w = 0; w < std::min(parallel, modes.size()); ++w)
    pool.emplace_back([&] {
      while (true) {
        std::string mode;
        {
          std::lock_guard lock(mu);
          if (next >= modes.size()) return;
          mode = modes[next++];
        }
        auto o = soak_mode(mode, root / mode);
        std::lock_guard lock(mu);
        results[mode] = std::move(o);
      }
    });
  for (auto& t : pool) t.join();
  return results;
}

std::string verdict_of(const json& summary, const std::string& series) {
  for (const auto& b : summary.value("budgets", json::array()))
    if (b.value("series", "") == series) return b.value("verdict", "");
  return "(no budget on " + series + ")";
}

std::string describe(const json& summary) {
  std::string s;
  for (const auto& b : summary.value("budgets", json::array()))
    s += "  " + b.value("spec", "") + " on " + b.value("series", "") + ": " + b.value("verdict", "") +
         " (" + b.value("reason", "") + ")\n";
  for (const auto& c : summary.value("culprits", json::array()))
    s += "  culprit " + c.value("kind", "") + " " + c.value("function", "") + " " +
         c.value("location", "") + "\n";
  return s;
}

// Every mode is soaked once for the whole suite (in parallel batches); the
// tests below judge the shared results.
class GoE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(example())) return;
    dir_ = new testing::TempDir();
    std::vector<std::string> modes;
    for (auto& c : kLeaks) modes.push_back(c.mode);
    modes.insert(modes.end(), kHealthy.begin(), kHealthy.end());
    results_ = new std::map<std::string, Outcome>(soak_all(modes, dir_->path()));
  }
  static void TearDownTestSuite() {
    delete results_;
    delete dir_;
    results_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!fs::exists(example())) GTEST_SKIP() << "no Go toolchain: " << example() << " was not built";
  }
  static const Outcome& result(const std::string& mode) { return results_->at(mode); }
  static fs::path run_dir(const std::string& mode) { return dir_->path() / mode; }

  static testing::TempDir* dir_;
  static std::map<std::string, Outcome>* results_;
};

testing::TempDir* GoE2E::dir_ = nullptr;
std::map<std::string, Outcome>* GoE2E::results_ = nullptr;

TEST_F(GoE2E, EveryLeakModeNamesTheResponsibleFunctionAmongTheTopCulprits) {
  for (const auto& c : kLeaks) {
    SCOPED_TRACE("mode " + c.mode);
    const auto& o = result(c.mode);
    ASSERT_TRUE(o.error.empty()) << o.error;
    // The responsible function among the top three culprits of its kind.
    bool named = false;
    std::map<std::string, int> seen;
    for (const auto& cu : o.summary.value("culprits", json::array())) {
      if (seen[cu.value("kind", "")]++ >= 3) continue;
      named = named || cu.value("function", "") == c.culprit;
    }
    EXPECT_TRUE(named) << c.culprit << " not among the top culprits:\n" << describe(o.summary);
  }
}

TEST_F(GoE2E, EveryLeakModeFailsOnTheSeriesItLeaks) {
  for (const auto& c : kLeaks) {
    SCOPED_TRACE("mode " + c.mode);
    const auto& o = result(c.mode);
    ASSERT_TRUE(o.error.empty()) << o.error;
    EXPECT_EQ(o.cmd.exit_code, 1) << o.cmd.err << describe(o.summary);
    EXPECT_EQ(o.summary.value("status", ""), "fail");
    for (const auto& s : c.failing)
      EXPECT_EQ(verdict_of(o.summary, s), "fail") << s << "\n" << describe(o.summary);
  }
}

TEST_F(GoE2E, EveryHealthyModePassesWithoutFalseAlarm) {
  for (const auto& mode : kHealthy) {
    SCOPED_TRACE("mode " + mode);
    const auto& o = result(mode);
    ASSERT_TRUE(o.error.empty()) << o.error;
    EXPECT_EQ(o.cmd.exit_code, 0) << o.cmd.err << describe(o.summary);
    // No false alarm. (An idle Go heap collects rarely, so go_heap_live_bytes
    // may be inconclusive in 20 s; that passes with a warning, as designed.)
    for (auto series : {"goroutines", "fds", "go_heap_live_bytes"})
      EXPECT_THAT(verdict_of(o.summary, series), ::testing::AnyOf("pass", "inconclusive"))
          << series << "\n" << describe(o.summary);
    EXPECT_NE(o.summary.value("status", ""), "fail");
  }
}

TEST_F(GoE2E, GoSeriesProfilesAndGctraceAreRecorded) {
  for (const auto& mode : {std::string("ticker"), std::string("sawtooth")}) {
    SCOPED_TRACE("mode " + mode);
    const auto& o = result(mode);
    ASSERT_TRUE(o.error.empty()) << o.error;
    std::set<std::string> series;
    for (const auto& s : o.summary.value("series", json::array())) series.insert(s.value("name", ""));
    for (auto name : {"goroutines", "go_heap_alloc_bytes", "go_heap_live_bytes", "go_gc_cycles",
                      "go_gc_cpu_fraction", "probe_go_latency_ms"})
      EXPECT_TRUE(series.count(name)) << name;
    for (auto f : {"warmup_end-goroutine.txt", "warmup_end-heap.txt", "end-goroutine.txt", "end-heap.txt"})
      EXPECT_TRUE(fs::exists(run_dir(mode) / "profiles" / f)) << f;
    // gctrace lines still reach sut.log
    EXPECT_NE(testing::read_file(run_dir(mode) / "sut.log").find("gc 1 @"), std::string::npos);
  }
}

}  // namespace
}  // namespace soak
