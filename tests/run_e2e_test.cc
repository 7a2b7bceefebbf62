// End-to-end tests of `soak run`: the real soak binary against the real
// example service (examples/native/leaky_server) and real shell commands.
// Every run is a few seconds long.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "probes/proc.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::run_command;
using testing::TempDir;

fs::path leaky_server() { return testing::build_dir() / "examples" / "native" / "leaky_server"; }
fs::path wrapper() { return testing::source_dir() / "examples" / "native" / "wrapper.sh"; }

std::vector<nlohmann::json> read_jsonl(const fs::path& p) {
  std::vector<nlohmann::json> out;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

std::vector<nlohmann::json> events_named(const fs::path& dir, std::string_view name) {
  std::vector<nlohmann::json> out;
  for (auto& e : read_jsonl(dir / "events.jsonl"))
    if (e["event"] == name) out.push_back(e);
  return out;
}

nlohmann::json summary_of(const fs::path& dir) {
  return nlohmann::json::parse(testing::read_file(dir / "summary.json"));
}

std::vector<double> series(const fs::path& dir, const std::string& name) {
  std::vector<double> v;
  for (auto& s : read_jsonl(dir / "samples.jsonl"))
    if (s.contains(name)) v.push_back(s[name].get<double>());
  return v;
}

// Processes (not zombies) whose process group is `pgid`.
std::vector<pid_t> group_members(pid_t pgid) {
  std::vector<pid_t> out;
  ProcReader reader;
  auto stats = reader.all_stats();
  EXPECT_TRUE(stats) << stats.message();
  if (!stats) return out;
  for (const auto& [pid, st] : *stats)
    if (st.pgrp == pgid && st.state != 'Z' && st.state != 'X') out.push_back(pid);
  return out;
}

// Waits (up to 10 s) until no process of group `pgid` is left: those left.
std::vector<pid_t> wait_group_gone(pid_t pgid) {
  testing::wait_until([&] { return group_members(pgid).empty(); }, 10);
  return group_members(pgid);
}

// Waits (up to 60 s) for `pid` to exit: its exit code, or -1 (killed by a
// signal, or SIGKILLed here after the deadline).
int wait_exit(pid_t pid) {
  int status = 0;
  if (!testing::wait_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, 60)) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// True once events.jsonl holds an event named `name` (up to 30 s).
bool wait_event(const fs::path& out, const std::string& name) {
  return testing::wait_until(
      [&] { return fs::exists(out / "events.jsonl") && !events_named(out, name).empty(); }, 30);
}

std::vector<std::string> soak_run(const fs::path& out, std::vector<std::string> args,
                                  std::vector<std::string> command) {
  std::vector<std::string> argv = {testing::soak_binary().string(), "run", "--out", out.string(),
                                   "--interval", "200ms", "--style", "basic"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

std::vector<std::string> server(int port, std::vector<std::string> extra = {}) {
  std::vector<std::string> c = {leaky_server().string(), "--port", std::to_string(port)};
  c.insert(c.end(), extra.begin(), extra.end());
  return c;
}

std::string ready_url(int port) { return "http://127.0.0.1:" + std::to_string(port) + "/healthz"; }

TEST(RunE2ETest, HealthyServicePassesAndTheRunDirectoryIsComplete) {
  TempDir tmp;
  int port = testing::free_port();
  auto r = run_command(soak_run(tmp / "out",
                                {"--duration", "3s", "--ready", ready_url(port), "--budget", "rss<=256MiB"},
                                server(port)));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // The CI log tells the story: the verdict table, the report's path, the verdict line.
  EXPECT_THAT(r.out, HasSubstr("PASS          rss<=256MiB  (rss_bytes): "));
  EXPECT_THAT(r.out, HasSubstr("report: " + (tmp / "out" / "report.html").string() + "\n"));
  EXPECT_THAT(r.out, HasSubstr("soak: PASS (exit 0) after "));
  EXPECT_THAT(r.out, HasSubstr((tmp / "out").string()));
  for (const char* f : {"run.json", "samples.jsonl", "events.jsonl", "sut.log", "summary.json"})
    EXPECT_TRUE(fs::exists(tmp / "out" / f)) << f;
  auto run = nlohmann::json::parse(testing::read_file(tmp / "out" / "run.json"));
  EXPECT_EQ(run["schema"], "soak.run/v1");
  EXPECT_EQ(run["budgets"], nlohmann::json::array({"rss<=256MiB"}));
  EXPECT_DOUBLE_EQ(run["interval_s"].get<double>(), 0.2);
  EXPECT_GT(run["pid"].get<int>(), 0);
  EXPECT_THAT(testing::read_file(tmp / "out" / "sut.log"), HasSubstr("listening on 127.0.0.1:"));
  EXPECT_EQ(events_named(tmp / "out", "ready").size(), 1u);
  EXPECT_EQ(events_named(tmp / "out", "warmup_end").size(), 1u);
  EXPECT_EQ(events_named(tmp / "out", "sut_stopped").size(), 1u);
  EXPECT_TRUE(events_named(tmp / "out", "sut_exited").empty());
  auto end = events_named(tmp / "out", "run_end");
  ASSERT_EQ(end.size(), 1u);
  EXPECT_EQ(end[0]["reason"], "duration");
  EXPECT_GE(series(tmp / "out", "rss_bytes").size(), 10u);
  auto s = summary_of(tmp / "out");
  EXPECT_EQ(s["status"], "pass");
  EXPECT_EQ(s["exit_code"], 0);
  // The SUT's group is gone once soak has returned.
  EXPECT_TRUE(group_members(run["pid"].get<int>()).empty());
}

TEST(RunE2ETest, LeakingServiceRecordsGrowthAndFailsALevelBudget) {
  TempDir tmp;
  int port = testing::free_port();
  auto r = run_command(soak_run(tmp / "out",
                                {"--duration", "3s", "--ready", ready_url(port), "--budget", "rss<=24MiB"},
                                server(port, {"--leak", "memory", "--leak-bytes", "1048576", "--leak-per-s", "12"})));
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  auto rss = series(tmp / "out", "rss_bytes");
  ASSERT_GE(rss.size(), 5u);
  EXPECT_GT(rss.back() - rss.front(), 16.0 * 1024 * 1024);
  auto s = summary_of(tmp / "out");
  EXPECT_EQ(s["status"], "fail");
  ASSERT_EQ(s["budgets"].size(), 1u);
  EXPECT_EQ(s["budgets"][0]["verdict"], "fail");
}

TEST(RunE2ETest, ASutThatCrashesMidRunIsASutFailureWithDataKept) {
  TempDir tmp;
  int port = testing::free_port();
  auto r = run_command(soak_run(tmp / "out", {"--duration", "20s", "--ready", ready_url(port)},
                                server(port, {"--crash-after", "1"})));
  ASSERT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("exited with code 42"));
  auto ex = events_named(tmp / "out", "sut_exited");
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0]["code"], 42);
  EXPECT_EQ(ex[0]["oom_killed"], false);
  EXPECT_EQ(events_named(tmp / "out", "run_end")[0]["reason"], "sut_exited");
  EXPECT_FALSE(series(tmp / "out", "rss_bytes").empty());
  auto s = summary_of(tmp / "out");
  EXPECT_EQ(s["status"], "sut_failed");
  EXPECT_EQ(s["exit_code"], 3);
  EXPECT_EQ(s["sut"]["exit"]["code"], 42);
}

TEST(RunE2ETest, NeverReadyTimesOutWithTheLogTailInTheMessage) {
  TempDir tmp;
  int port = testing::free_port();
  auto r = run_command(soak_run(tmp / "out",
                                {"--duration", "5s", "--ready", "tcp:127.0.0.1:" + std::to_string(port),
                                 "--ready-timeout", "1s"},
                                {"/bin/sh", "-c", "echo booting-marker-1; echo warming-marker-2 >&2; sleep 30"}));
  ASSERT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("not ready"));
  EXPECT_THAT(r.err, HasSubstr("booting-marker-1"));
  EXPECT_THAT(r.err, HasSubstr("warming-marker-2"));
  EXPECT_EQ(events_named(tmp / "out", "ready_timeout").size(), 1u);
  EXPECT_EQ(events_named(tmp / "out", "run_end")[0]["reason"], "sut_not_ready");
  EXPECT_EQ(summary_of(tmp / "out")["status"], "sut_failed");
}

TEST(RunE2ETest, LeakyServerNeverReadyOverHttp) {
  TempDir tmp;
  int port = testing::free_port();
  auto r = run_command(soak_run(tmp / "out", {"--duration", "5s", "--ready", ready_url(port), "--ready-timeout", "1s"},
                                server(port, {"--never-ready"})));
  ASSERT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("last lines of"));
}

TEST(RunE2ETest, ExitingBeforeReadyFailsAtOnceWithItsCode) {
  TempDir tmp;
  int port = testing::free_port();
  auto r = run_command(soak_run(tmp / "out",
                                {"--duration", "5s", "--ready", "tcp:127.0.0.1:" + std::to_string(port),
                                 "--ready-timeout", "60s"},
                                {"/bin/sh", "-c", "echo config-broken-marker >&2; exit 7"}),
                       30);
  ASSERT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("exited with code 7 before it was ready"));
  EXPECT_THAT(r.err, HasSubstr("config-broken-marker"));
}

TEST(RunE2ETest, LogReadinessWaitsForTheLine) {
  TempDir tmp;
  auto r = run_command(soak_run(tmp / "out", {"--duration", "1s", "--ready", "log:now serving"},
                                {"/bin/sh", "-c", "sleep 0.5; echo now serving; sleep 30"}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto ready = events_named(tmp / "out", "ready");
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_GE(ready[0]["t"].get<double>(), 0.5);
}

TEST(RunE2ETest, AWrappedServiceIsSampledAsATree) {
  TempDir tmp;
  int port = testing::free_port();
  std::vector<std::string> cmd = {wrapper().string()};
  auto s = server(port, {"--leak", "threads", "--leak-per-s", "5"});
  cmd.insert(cmd.end(), s.begin(), s.end());
  auto r = run_command(soak_run(tmp / "out", {"--duration", "2s", "--ready", ready_url(port)}, cmd));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto threads = series(tmp / "out", "threads");
  ASSERT_FALSE(threads.empty());
  // The shell has one thread; the server's leaked threads count too.
  EXPECT_GE(threads.back(), threads.front() + 5);
  auto run = nlohmann::json::parse(testing::read_file(tmp / "out" / "run.json"));
  EXPECT_TRUE(wait_group_gone(run["pid"].get<int>()).empty());
}

// Runs soak in the background, sends `sig` once it is ready, and checks the
// interrupted ending.
void interrupt_test(int sig) {
  TempDir tmp;
  int port = testing::free_port();
  fs::path out = tmp / "out";
  auto argv = soak_run(out, {"--duration", "60s", "--ready", ready_url(port), "--workload",
                             "cmd:echo $$; sleep 100"},
                       server(port));
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open((tmp / "soak.err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    int fo = ::open((tmp / "soak.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fo, 1);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  // Interrupted once the workload runs (its log holds its pid) and the SUT
  // has been sampled.
  ASSERT_TRUE(testing::wait_until(
      [&] {
        std::error_code ec;
        return fs::exists(out / "events.jsonl") && !events_named(out, "workload_started").empty() &&
               fs::file_size(out / "workload.log", ec) > 0 && !series(out, "rss_bytes").empty();
      },
      30))
      << testing::read_file(tmp / "soak.err");
  int sut_pid = events_named(out, "launched")[0]["pid"];
  int workload_pgid = std::stoi(testing::read_file(out / "workload.log"));
  ::kill(pid, sig);
  EXPECT_EQ(wait_exit(pid), 130) << testing::read_file(tmp / "soak.err");
  auto s = summary_of(out);
  EXPECT_EQ(s["status"], "interrupted");
  EXPECT_EQ(s["exit_code"], 130);
  auto intr = events_named(out, "interrupted");
  ASSERT_EQ(intr.size(), 1u);
  EXPECT_EQ(intr[0]["signal"], sig == SIGINT ? "SIGINT" : "SIGTERM");
  EXPECT_EQ(events_named(out, "run_end")[0]["reason"], "interrupted");
  EXPECT_FALSE(series(out, "rss_bytes").empty());
  EXPECT_TRUE(wait_group_gone(sut_pid).empty()) << "SUT processes survived";
  EXPECT_TRUE(wait_group_gone(workload_pgid).empty()) << "workload processes survived";
}

TEST(RunE2ETest, SigintStopsTheRunWithPartialResultsAndNoSurvivors) { interrupt_test(SIGINT); }

// Starts soak in the background with stdout/stderr into files under `tmp`.
pid_t spawn_soak(const TempDir& tmp, std::vector<std::string> argv) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int fe = ::open((tmp / "soak.err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fo = ::open((tmp / "soak.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fe, 2);
    ::dup2(fo, 1);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

TEST(RunE2ETest, SigintWhileWaitingForReadinessStillEndsCleanly) {
  TempDir tmp;
  fs::path out = tmp / "out";
  pid_t pid = spawn_soak(tmp, soak_run(out, {"--duration", "10s", "--ready", "log:never-printed"},
                                       {"/bin/sh", "-c", "echo starting; sleep 100"}));
  ASSERT_TRUE(wait_event(out, "launched")) << testing::read_file(tmp / "soak.err");
  int sut = events_named(out, "launched")[0]["pid"];
  ::kill(pid, SIGINT);
  EXPECT_EQ(wait_exit(pid), 130) << testing::read_file(tmp / "soak.err");
  EXPECT_EQ(summary_of(out)["status"], "interrupted");
  EXPECT_TRUE(wait_group_gone(sut).empty());
}

TEST(RunE2ETest, TheSutDiesWhenTheHarnessIsKilled) {
  TempDir tmp;
  int port = testing::free_port();
  fs::path out = tmp / "out";
  pid_t pid = spawn_soak(tmp, soak_run(out, {"--duration", "60s", "--ready", ready_url(port)}, server(port)));
  ASSERT_TRUE(wait_event(out, "ready")) << testing::read_file(tmp / "soak.err");
  int sut = events_named(out, "launched")[0]["pid"];
  ::kill(pid, SIGKILL);  // no cleanup code runs: only the death signal
  ::waitpid(pid, nullptr, 0);
  EXPECT_TRUE(wait_group_gone(sut).empty()) << "the SUT outlived a SIGKILLed harness";
  // What was written so far is still readable.
  EXPECT_FALSE(series(out, "rss_bytes").empty());
}
TEST(RunE2ETest, SigtermStopsTheRunWithPartialResultsAndNoSurvivors) { interrupt_test(SIGTERM); }

TEST(RunE2ETest, AnExternalWorkloadIsRestartedWhenItEndsEarly) {
  TempDir tmp;
  int port = testing::free_port();
  auto r = run_command(soak_run(tmp / "out",
                                {"--duration", "4s", "--ready", ready_url(port), "--workload",
                                 "cmd:echo load {url} {duration_s}; sleep 1.2"},
                                server(port)));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_GE(events_named(tmp / "out", "workload_restarted").size(), 2u);
  EXPECT_THAT(testing::read_file(tmp / "out" / "workload.log"),
              HasSubstr("load " + ready_url(port) + " 4\n"));
  auto end = events_named(tmp / "out", "workload_end");
  ASSERT_EQ(end.size(), 1u);
  EXPECT_GE(end[0]["summary"]["restarts"].get<int>(), 2);
}

TEST(RunE2ETest, AnExternalWorkloadThatKeepsDyingEndsTheRun) {
  TempDir tmp;
  int port = testing::free_port();
  auto r = run_command(soak_run(tmp / "out", {"--duration", "30s", "--ready", ready_url(port), "--workload",
                                              "cmd:echo cannot-connect-marker; exit 2"},
                                server(port)));
  ASSERT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("5 times in a row"));
  EXPECT_FALSE(events_named(tmp / "out", "workload_failed").empty());
  EXPECT_EQ(events_named(tmp / "out", "run_end")[0]["reason"], "workload_failed");
  EXPECT_TRUE(fs::exists(tmp / "out" / "summary.json"));
  EXPECT_FALSE(series(tmp / "out", "rss_bytes").empty());
}

TEST(RunE2ETest, TheBuiltInLoadDrivesPerRequestGrowth) {
  TempDir tmp;
  int port = testing::free_port();
  auto r = run_command(soak_run(tmp / "out",
                                {"--duration", "3s", "--ready", ready_url(port), "--workload",
                                 "http://127.0.0.1:" + std::to_string(port) + "/api", "--rate", "100"},
                                server(port, {"--leak", "memory", "--leak-bytes", "65536"})));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto requests = series(tmp / "out", "requests");
  ASSERT_FALSE(requests.empty());
  EXPECT_GE(requests.back(), 150);
  auto rss = series(tmp / "out", "rss_bytes");
  // ~64 KiB per request: growth follows the load.
  EXPECT_GT(rss.back() - rss.front(), 0.5 * 65536 * requests.back());
  auto s = summary_of(tmp / "out");
  EXPECT_GE(s["workload"]["requests"].get<double>(), 150);
}

TEST(RunE2ETest, EnvironmentAndGctraceReachTheSut) {
  TempDir tmp;
  auto r = run_command(soak_run(tmp / "out", {"--duration", "1s", "--env", "GODEBUG=madvdontneed=1", "--env",
                                              "SOAK_E2E_MARK=yes", "--gctrace"},
                                {"/bin/sh", "-c", "echo \"GODEBUG=$GODEBUG MARK=$SOAK_E2E_MARK\"; sleep 30"}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(testing::read_file(tmp / "out" / "sut.log"),
              HasSubstr("GODEBUG=madvdontneed=1,gctrace=1 MARK=yes"));
}

// sut.log and workload.log are capped alike (sut.log_limit / --log-limit).
TEST(RunE2ETest, TheSutLogIsCappedWithoutBlockingTheSut) {
  TempDir tmp;
  testing::write_file(tmp / "soak.json", R"({"sut": {"log_limit": 4096}})");
  auto r = run_command(soak_run(tmp / "out", {"--config", (tmp / "soak.json").string(), "--duration", "2s",
                                              "--workload", "cmd:yes workload-line | head -c 100000; sleep 30"},
                                {"/bin/sh", "-c",
                                 "yes chatty-line | head -c 5000000; touch " + (tmp / "done").string() +
                                     "; sleep 30"}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(fs::file_size(tmp / "out" / "sut.log"), 4096u);
  EXPECT_TRUE(fs::exists(tmp / "done")) << "the SUT blocked on its full output pipe";
  auto capped = events_named(tmp / "out", "sut_log_capped");
  ASSERT_EQ(capped.size(), 1u);
  EXPECT_EQ(capped[0]["limit_bytes"], 4096);
  auto s = summary_of(tmp / "out");
  EXPECT_THAT(s["warnings"].dump(), HasSubstr("sut.log"));
  EXPECT_EQ(fs::file_size(tmp / "out" / "workload.log"), 4096u);
  ASSERT_EQ(events_named(tmp / "out", "workload_log_capped").size(), 1u);
  EXPECT_THAT(s["warnings"].dump(), HasSubstr("workload.log reached its cap of 4.00 KiB"));
  EXPECT_THAT(r.err, HasSubstr("soak: warning: workload.log reached its cap of 4.00 KiB"));
}

TEST(RunE2ETest, ANonEmptyOutputDirectoryIsRefused) {
  TempDir tmp;
  fs::create_directories(tmp / "out");
  testing::write_file(tmp / "out" / "keep.txt", "x");
  auto r = run_command(soak_run(tmp / "out", {"--duration", "1s"}, {"/bin/sleep", "10"}));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("not empty"));
  EXPECT_EQ(testing::read_file(tmp / "out" / "keep.txt"), "x");
}

}  // namespace
}  // namespace soak
