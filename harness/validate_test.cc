#include "harness/validate.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::TempDir;

// A configuration that passes: /bin/true as the SUT, a fresh --out.
RunConfig good(const TempDir& dir) {
  RunConfig c;
  c.duration = std::chrono::seconds(10);
  c.command = {"true"};
  c.out = dir / "out";
  return c;
}

std::string error_of(RunConfig c) {
  auto st = validate_run_config(c);
  EXPECT_FALSE(st.ok());
  return st.ok() ? std::string() : st.message();
}

Budget budget(const char* spec) {
  auto b = parse_budget(spec);
  EXPECT_TRUE(b.ok()) << spec;
  return *b;
}

TEST(ValidateTest, AGoodConfigIsNormalised) {
  TempDir dir;
  RunConfig c = good(dir);
  ASSERT_TRUE(validate_run_config(c).ok());
  EXPECT_TRUE(fs::path(c.command[0]).is_absolute());
  EXPECT_EQ(fs::path(c.command[0]).filename(), "true");
  EXPECT_TRUE(c.cwd.is_absolute());
  EXPECT_EQ(c.resolved.at("duration"), "10s");
  EXPECT_FALSE(fs::exists(dir / "out"));  // validation creates nothing
}

TEST(ValidateTest, Timing) {
  TempDir dir;
  RunConfig c = good(dir);
  c.duration = {};
  EXPECT_THAT(error_of(c), HasSubstr("--duration: missing"));
  c = good(dir);
  c.warmup = std::chrono::seconds(10);
  EXPECT_THAT(error_of(c), HasSubstr("--warmup \"10s\": must be shorter than --duration \"10s\""));
  c = good(dir);
  c.interval = std::chrono::seconds(0);
  EXPECT_THAT(error_of(c), HasSubstr("--interval \"0ms\": must be above 0"));
  c = good(dir);
  c.interval = std::chrono::seconds(20);
  EXPECT_THAT(error_of(c), HasSubstr("--interval \"20s\": must be shorter than --duration"));
}

TEST(ValidateTest, Command) {
  TempDir dir;
  RunConfig c = good(dir);
  c.command.clear();
  EXPECT_THAT(error_of(c), HasSubstr("no SUT command"));
  c = good(dir);
  c.command = {"soak-no-such-program-xyz"};
  EXPECT_THAT(error_of(c), HasSubstr("SUT command \"soak-no-such-program-xyz\": not found in PATH"));
  c = good(dir);
  c.command = {"./missing"};
  c.cwd = dir.path();
  EXPECT_THAT(error_of(c), HasSubstr("SUT command \"./missing\": no such file"));
  testing::write_file(dir / "script", "#!/bin/sh\n");
  c.command = {"./script"};
  EXPECT_THAT(error_of(c), HasSubstr("is not an executable file"));
  ::chmod((dir / "script").c_str(), 0755);
  ASSERT_TRUE(validate_run_config(c).ok());
  EXPECT_EQ(c.command[0], (dir / "script").string());  // relative to the SUT's cwd
  c = good(dir);
  c.env["PATH"] = dir.path().string();  // the SUT's PATH decides
  c.command = {"script"};
  ASSERT_TRUE(validate_run_config(c).ok());
  c = good(dir);
  c.cwd = dir / "nowhere";
  EXPECT_THAT(error_of(c), HasSubstr("nowhere\": no such directory"));
}

// No command: soak observes a service it did not launch through --metrics
// or --go (DESIGN.md section 2: the command is optional).
TEST(ValidateTest, WithoutACommandSoakObservesThroughMetricsOrGo) {
  TempDir dir;
  RunConfig c = good(dir);
  c.command.clear();
  EXPECT_THAT(error_of(c), HasSubstr("--metrics URL and/or --go URL"));
  c.metrics_url = "http://10.0.0.7:9100/metrics";
  c.budgets = {budget("rss=1MiB/h"), budget("fds=0/h"), budget("goroutines=0/h"), budget("heap=1MiB/h")};
  ASSERT_TRUE(validate_run_config(c).ok());
  // Readiness defaults to the endpoint answering, without becoming the
  // user's --ready (which is also the {url} of cmd: workloads).
  EXPECT_FALSE(c.ready);
  EXPECT_FALSE(c.resolved.at("sut").contains("ready"));
  auto ready = readiness_spec(c);
  ASSERT_TRUE(ready && *ready);
  EXPECT_EQ((*ready)->kind, ReadySpec::Kind::kHttp);
  EXPECT_EQ((*ready)->url, "http://10.0.0.7:9100/metrics");

  c = good(dir);
  c.command.clear();
  c.go_url = "http://10.0.0.7:6060";
  ASSERT_TRUE(validate_run_config(c).ok());
  EXPECT_EQ((*readiness_spec(c))->url, "http://10.0.0.7:6060/debug/pprof/goroutine?debug=1");  // what the probe reads
  c.go_url = "http://10.0.0.7:6060/";
  EXPECT_EQ((*readiness_spec(c))->url, "http://10.0.0.7:6060/debug/pprof/goroutine?debug=1");
  // --go alone has no process figures: rss needs --metrics, and says so.
  c.budgets = {budget("rss=1MiB/h")};
  auto e = error_of(c);
  EXPECT_THAT(e, HasSubstr("budget \"rss=1MiB/h\": no probe produces \"rss\""));
  EXPECT_THAT(e, HasSubstr("no SUT command: soak reads no /proc"));
  c.budgets = {budget("goroutines=0/h")};
  ASSERT_TRUE(validate_run_config(c).ok());
}

TEST(ValidateTest, WithoutACommandLaunchOnlySettingsAreErrors) {
  TempDir dir;
  RunConfig c = good(dir);
  c.command.clear();
  c.metrics_url = "http://127.0.0.1:9100/metrics";
  c.gctrace = true;
  EXPECT_THAT(error_of(c), HasSubstr("--gctrace/probes.gctrace: needs a SUT command"));
  c.gctrace = false;
  c.env["GOMAXPROCS"] = "2";
  EXPECT_THAT(error_of(c), HasSubstr("--env/sut.env \"GOMAXPROCS\": no SUT command to give it to"));
  c.env.clear();
  c.ready = *parse_ready_spec("log:listening");
  EXPECT_THAT(error_of(c), HasSubstr("--ready/sut.ready \"log:listening\": a log: readiness needs a SUT command"));
  c.ready = *parse_ready_spec("tcp:127.0.0.1:9100");
  ASSERT_TRUE(validate_run_config(c).ok());
  EXPECT_EQ((*readiness_spec(c))->kind, ReadySpec::Kind::kTcp);  // the user's readiness stands
  c.metrics_url = "ftp://x/metrics";
  EXPECT_THAT(error_of(c), HasSubstr("--metrics"));
}

TEST(ValidateTest, OutMustBeEmptyUnlessForce) {
  TempDir dir;
  RunConfig c = good(dir);
  fs::create_directories(c.out);
  ASSERT_TRUE(validate_run_config(c).ok());  // empty is fine
  testing::write_file(c.out / "old.txt", "x");
  EXPECT_THAT(error_of(c), HasSubstr("is not empty (use --force"));
  c.force = true;
  EXPECT_TRUE(validate_run_config(c).ok());
  c = good(dir);
  c.out = dir / "out" / "old.txt";
  EXPECT_THAT(error_of(c), HasSubstr("exists and is not a directory"));
  c = good(dir);
  c.out = dir / "out" / "old.txt" / "sub";
  EXPECT_THAT(error_of(c), HasSubstr("old.txt is not a directory"));
  if (::geteuid() != 0) {  // root writes anywhere
    fs::create_directories(dir / "ro");
    ::chmod((dir / "ro").c_str(), 0555);
    c.out = dir / "ro" / "out";
    EXPECT_THAT(error_of(c), HasSubstr("is not writable"));
  }
}

TEST(ValidateTest, BudgetsNeedAProducer) {
  TempDir dir;
  RunConfig c = good(dir);
  c.budgets = {budget("goroutines=0/h")};
  EXPECT_THAT(error_of(c), HasSubstr("budget \"goroutines=0/h\": no probe produces series \"goroutines\""));
  EXPECT_THAT(error_of(c), HasSubstr("--go URL or --gctrace"));
  c.budgets = {budget("prom:queue_depth=0/h")};
  EXPECT_THAT(error_of(c), HasSubstr("prom: series need --metrics"));
  c.budgets = {budget("latency_p99<=100")};
  EXPECT_THAT(error_of(c), HasSubstr("budget \"latency_p99<=100\": no probe produces"));
}

TEST(ValidateTest, BudgetErrorsNameTheFlagOrConfigPath) {
  TempDir dir;
  RunConfig c = good(dir);
  ASSERT_TRUE(apply_config_json(nlohmann::json{{"budgets", {{"goroutines", "0/h"}}}}, c).ok());
  EXPECT_THAT(error_of(c), ::testing::StartsWith("budgets.goroutines: \"goroutines=0/h\": no probe produces"));
  c = good(dir);
  c.budgets = {budget("sockets=1/h"), budget("goroutines=0/h")};
  c.budget_origins["goroutines=0/h"] = "--budget";
  EXPECT_THAT(error_of(c), ::testing::StartsWith("--budget \"goroutines=0/h\": no probe produces"));
}

TEST(ValidateTest, ProcessSeriesBudgetsPass) {
  TempDir dir;
  RunConfig c = good(dir);
  c.budgets = {budget("rss=2MiB/h"), budget("threads=0/h"), budget("fds<=100"), budget("heap=1MiB/h")};
  auto st = validate_run_config(c);
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST(ValidateTest, PerRequestBudgetsNeedACountingWorkload) {
  TempDir dir;
  RunConfig c = good(dir);
  c.budgets = {budget("rss=512B/req")};
  EXPECT_THAT(error_of(c), HasSubstr("budget \"rss=512B/req\": per-request budgets need a workload that counts "
                                     "requests (--workload http://...)"));
}

TEST(ValidateTest, AnHttpWorkloadCountsRequests) {
  TempDir dir;
  RunConfig c = good(dir);
  WorkloadSpec w;
  w.kind = WorkloadSpec::Kind::kHttp;
  w.http = nlohmann::json{{"url", "http://127.0.0.1:9/api"}, {"rate", 10}};
  w.origin = "--workload \"http://127.0.0.1:9/api\"";
  c.workloads = {w};
  c.budgets = {budget("rss=512B/req"), budget("latency_p99<=100")};
  auto st = validate_run_config(c);
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST(ValidateTest, WorkloadErrorsNameTheirOrigin) {
  TempDir dir;
  RunConfig c = good(dir);
  WorkloadSpec w;
  w.kind = WorkloadSpec::Kind::kHttp;
  w.http = nlohmann::json{{"url", "http://127.0.0.1:9/api"}, {"rate", "fast"}};
  w.origin = "workloads[0].http";
  c.workloads = {w};
  EXPECT_THAT(error_of(c), HasSubstr("workloads[0].http"));
  w.kind = WorkloadSpec::Kind::kCmd;
  w.cmd = "";
  w.origin = "workloads[1].cmd";
  c.workloads = {w};
  EXPECT_THAT(error_of(c), HasSubstr("workloads[1].cmd"));
}

TEST(ValidateTest, FindProgram) {
  TempDir dir;
  auto sh = find_program("sh", dir.path(), "/nonexistent:/bin:/usr/bin");
  ASSERT_TRUE(sh.ok()) << sh.message();
  EXPECT_TRUE(sh->is_absolute());
  EXPECT_FALSE(find_program("sh", dir.path(), "/nonexistent").ok());
  EXPECT_FALSE(find_program("/etc/passwd", dir.path(), "").ok());  // not executable
}

}  // namespace
}  // namespace soak
