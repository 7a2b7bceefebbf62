// End to end: soaking a service soak did not launch (no command), seen only
// through its Prometheus /metrics (DESIGN.md section 2: the command is
// optional). The Go example is started outside soak, as a service on another
// machine would be; client_golang's process and Go metrics stand in for the
// process probe. A remote SUT that stops answering or restarts fails the run
// with exit 3, keeping what was recorded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "net/http_client.h"
#include "tests/http_wait.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using testing::wait_for_text;
using testing::wait_http_ok;
using nlohmann::json;
using ::testing::HasSubstr;

fs::path example() { return testing::build_dir() / "examples/go/soak-go-example"; }

json read_json(const fs::path& p) {
  std::ifstream f(p);
  return json::parse(f, nullptr, false);
}

std::string verdict_of(const json& summary, const std::string& series) {
  for (const auto& b : summary.value("budgets", json::array()))
    if (b.value("series", "") == series) return b.value("verdict", "");
  return "(no budget on " + series + ")";
}

// Seconds of run time between the first and the last line of samples.jsonl
// holding `series` (0 when fewer than two).
double recorded_span_s(const fs::path& out, const std::string& series) {
  std::istringstream in(testing::read_file(out / "samples.jsonl"));
  double first = -1, last = -1;
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains(series) || !j["t"].is_number()) continue;
    if (first < 0) first = j["t"].get<double>();
    last = j["t"].get<double>();
  }
  return first < 0 ? 0 : last - first;
}

std::set<std::string> series_of(const json& summary) {
  std::set<std::string> out;
  for (const auto& s : summary.value("series", json::array())) out.insert(s.value("name", ""));
  return out;
}

class RemoteE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(example())) GTEST_SKIP() << "no Go toolchain: " << example() << " was not built";
    port_ = testing::free_port();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::unique_ptr<testing::Background> start_example(const std::string& mode) {
    auto p = std::make_unique<testing::Background>(
        std::vector<std::string>{example().string(), "--addr", "127.0.0.1:" + std::to_string(port_), "--mode", mode},
        dir_ / "example.log");
    EXPECT_TRUE(wait_http_ok(base() + "/healthz")) << testing::read_file(dir_ / "example.log");
    return p;
  }
  // soak with no command: only --metrics, plus load on /work.
  std::vector<std::string> soak_args(const std::string& duration, const std::string& ready_timeout) const {
    return {testing::soak_binary().string(), "run", "--duration", duration, "--interval", "500ms",
            "--out", (dir_ / "out").string(), "--style", "none", "--ready-timeout", ready_timeout,
            "--metrics", base() + "/metrics", "--workload", base() + "/work", "--rate", "100",
            "--connections", "4", "--budget", "goroutines=0/h", "--budget", "fds=0/h", "--budget", "rss<=4GiB"};
  }
  fs::path out() const { return dir_ / "out"; }

  testing::TempDir dir_;
  int port_ = 0;
};

TEST_F(RemoteE2E, LeakingServiceSeenOnlyThroughMetricsFailsOnGoroutinesAndIsLeftRunning) {
  auto sut = start_example("goroutine");
  auto r = testing::run_command(soak_args("20s", "10s"), 90);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  json summary = read_json(out() / "summary.json");
  ASSERT_FALSE(summary.is_discarded()) << r.err;
  SCOPED_TRACE("budgets: " + summary.value("budgets", json::array()).dump(1) + "\nstderr: " + r.err);
  EXPECT_EQ(summary["status"], "fail");
  EXPECT_EQ(verdict_of(summary, "goroutines"), "fail");
  // No false alarm (20 s may leave it inconclusive); the budget must be there.
  EXPECT_THAT(verdict_of(summary, "fds"), ::testing::AnyOf("pass", "inconclusive"));
  // client_golang's defaults mapped onto the canonical series; nothing read
  // from /proc (sockets and cpu_seconds come only from there).
  auto series = series_of(summary);
  for (auto s : {"goroutines", "rss_bytes", "fds", "threads", "go_heap_alloc_bytes", "prom:go_goroutines"})
    EXPECT_TRUE(series.count(s)) << s;
  for (auto s : {"sockets", "cpu_seconds", "pss_bytes"}) EXPECT_FALSE(series.count(s)) << s;
  json run = read_json(out() / "run.json");
  EXPECT_EQ(run["command"], json::array());
  EXPECT_TRUE(run["pid"].is_null());
  EXPECT_FALSE(run["config"]["sut"].contains("ready"));  // ready when the endpoint answers, not user-given
  EXPECT_FALSE(fs::exists(out() / "sut.log"));
  EXPECT_THAT(testing::read_file(out() / "report.html"), HasSubstr("soak observed a service it did not launch"));
  // soak did not launch it, so it does not stop it.
  EXPECT_TRUE(sut->running());
}

TEST_F(RemoteE2E, HealthyServiceSeenOnlyThroughMetricsPasses) {
  auto sut = start_example("none");
  // The example exposes 12 series; 7 are ones soak reads itself (mapped,
  // restart detection) and always kept. Of the other 5, a cap of 2 keeps the
  // first two and drops three, with one warning naming them.
  auto args = soak_args("20s", "10s");
  for (const char* a : {"--metrics-max-series", "2"}) args.push_back(a);
  auto r = testing::run_command(args, 90);
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  json summary = read_json(out() / "summary.json");
  ASSERT_FALSE(summary.is_discarded()) << r.err;
  EXPECT_EQ(summary["status"], "pass") << summary.dump(1);
  // No false alarm; a 20 s run may leave a slope inconclusive, which passes.
  for (auto s : {"goroutines", "fds"})
    EXPECT_THAT(verdict_of(summary, s), ::testing::AnyOf("pass", "inconclusive")) << s << summary.dump(1);
  EXPECT_EQ(verdict_of(summary, "rss_bytes"), "pass");
  EXPECT_TRUE(sut->running());

  const std::string dropped =
      "metrics: 3 series beyond --metrics-max-series 2 were not recorded (first: prom:go_memstats_next_gc_bytes, "
      "prom:go_gc_duration_seconds_sum, prom:soak_example_requests_total{mode=\"none\"})";
  EXPECT_THAT(r.err, HasSubstr("soak: warning: " + dropped));
  EXPECT_EQ(r.err.find(dropped), r.err.rfind(dropped)) << "warned more than once:\n" << r.err;
  EXPECT_THAT(summary["warnings"], ::testing::Contains(::testing::StartsWith(dropped)));
  auto series = series_of(summary);
  for (auto s : {"prom:go_memstats_heap_inuse_bytes", "prom:go_memstats_heap_objects", "prom:go_goroutines",
                 "prom:process_start_time_seconds", "goroutines", "fds"})
    EXPECT_TRUE(series.count(s)) << s;
  for (auto s : {"prom:go_memstats_next_gc_bytes", "prom:go_gc_duration_seconds_sum",
                 "prom:soak_example_requests_total{mode=\"none\"}"})
    EXPECT_FALSE(series.count(s)) << s;
}

// soak in the background until it has recorded `samples` goroutine readings
// of the service (so it knew it alive), for the tests that then take it away.
std::unique_ptr<testing::Background> soak_until_sampled(const std::vector<std::string>& args,
                                                        const fs::path& out, const fs::path& log) {
  auto soak = std::make_unique<testing::Background>(args, log);
  EXPECT_TRUE(wait_for_text(out / "samples.jsonl", "\"goroutines\"", 30)) << testing::read_file(log);
  return soak;
}

TEST_F(RemoteE2E, ServiceThatStopsAnsweringFailsTheRunWithExit3AndKeepsItsData) {
  auto sut = start_example("none");
  auto t0 = std::chrono::steady_clock::now();
  auto soak = soak_until_sampled(soak_args("40s", "2s"), out(), dir_ / "soak.log");
  sut->stop(SIGKILL);
  double killed_at = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  int code = soak->wait(50);
  std::string err = testing::read_file(dir_ / "soak.log");
  EXPECT_EQ(code, 3) << err;
  EXPECT_THAT(err, HasSubstr("the SUT stopped answering"));
  json summary = read_json(out() / "summary.json");
  ASSERT_FALSE(summary.is_discarded()) << err;
  EXPECT_EQ(summary["status"], "sut_failed");
  EXPECT_THAT(summary["warnings"].dump(), HasSubstr("the SUT was lost during the run"));
  // Lost after it was killed, not before (soak's t starts a little after t0).
  bool seen = false;
  std::istringstream events(testing::read_file(out() / "events.jsonl"));
  for (std::string line; std::getline(events, line);) {
    json e = json::parse(line, nullptr, false);
    if (e.is_object() && e.value("event", "") == "sut_lost") {
      seen = true;
      EXPECT_GT(e.value("t", 0.0), killed_at - 1.0) << line;
    }
  }
  EXPECT_TRUE(seen) << testing::read_file(out() / "events.jsonl");
  // What was recorded before it went away is kept.
  EXPECT_THAT(testing::read_file(out() / "samples.jsonl"), HasSubstr("\"goroutines\""));
  EXPECT_THAT(testing::read_file(out() / "report.html"), HasSubstr("lost during the run"));
}

TEST_F(RemoteE2E, ServiceThatRestartsFailsTheRunWithExit3) {
  auto sut = start_example("none");
  auto soak = soak_until_sampled(soak_args("40s", "20s"), out(), dir_ / "soak.log");
  // A restart is told from process_start_time_seconds moving by more than
  // its 1.5 s jitter allowance (or a counter going back): the first process
  // lives until soak has read it over 2 s of the run, as a soaked service has.
  EXPECT_TRUE(testing::wait_until([&] { return recorded_span_s(out(), "prom:process_start_time_seconds") >= 2.0; }, 30))
      << testing::read_file(out() / "samples.jsonl");
  sut->stop(SIGKILL);  // as the OOM killer would, then the orchestrator restarts it
  auto second = start_example("none");
  int code = soak->wait(50);
  std::string err = testing::read_file(dir_ / "soak.log");
  EXPECT_EQ(code, 3) << err;
  EXPECT_THAT(err, HasSubstr("the SUT restarted"));
  EXPECT_THAT(testing::read_file(out() / "events.jsonl"),
              HasSubstr("\"event\":\"sut_lost\",\"message\":\"the SUT restarted"));
  EXPECT_TRUE(second->running());  // soak leaves what it did not start
}

TEST_F(RemoteE2E, ServiceThatNeverAnswersIsNotReadyExit3) {
  auto r = testing::run_command(soak_args("20s", "1s"), 30);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("was not ready (" + base() + "/metrics"));
  EXPECT_EQ(read_json(out() / "summary.json")["status"], "sut_failed");
}

}  // namespace
}  // namespace soak
