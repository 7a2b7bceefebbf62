// End-to-end tests of --memory-limit, --nofile and endurance budgets: the
// real soak binary, the native example (examples/native/leaky_server,
// unchanged) and a real memory cgroup. The cgroup tests skip (saying why)
// where this machine cannot make one: cgroup v1 without root, or v2 without
// a delegated subtree. Each run is a few seconds.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/cgroup.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::run_command;
using testing::TempDir;

fs::path leaky_server() { return testing::build_dir() / "examples" / "native" / "leaky_server"; }

std::vector<nlohmann::json> read_jsonl(const fs::path& p) {
  std::vector<nlohmann::json> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

std::vector<nlohmann::json> events_named(const fs::path& dir, std::string_view name) {
  std::vector<nlohmann::json> out;
  for (auto& e : read_jsonl(dir / "events.jsonl"))
    if (e["event"] == name) out.push_back(e);
  return out;
}

nlohmann::json json_file(const fs::path& p) { return nlohmann::json::parse(testing::read_file(p)); }

size_t count_series(const fs::path& dir, const std::string& name) {
  size_t n = 0;
  for (auto& s : read_jsonl(dir / "samples.jsonl")) n += s.contains(name);
  return n;
}

const nlohmann::json* series_entry(const nlohmann::json& summary, const std::string& name) {
  for (const auto& s : summary["series"])
    if (s["name"] == name) return &s;
  return nullptr;
}

std::vector<std::string> soak_run(const fs::path& out, std::vector<std::string> args, int port,
                                  std::vector<std::string> server_args) {
  std::vector<std::string> argv = {testing::soak_binary().string(), "run", "--out", out.string(),
                                   "--style", "none",
                                   "--ready", "http://127.0.0.1:" + std::to_string(port) + "/healthz"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--");
  argv.push_back(leaky_server().string());
  argv.push_back("--port");
  argv.push_back(std::to_string(port));
  argv.insert(argv.end(), server_args.begin(), server_args.end());
  return argv;
}

// Why this machine cannot make a memory cgroup, or empty when it can.
std::string no_cgroup_here() {
  auto host = detect_memory_cgroup();
  if (!host) return host.message();
  auto st = check_memory_cgroup_possible(*host);
  return st ? "" : st.message();
}

#define SKIP_WITHOUT_CGROUP()                                        \
  if (std::string why = no_cgroup_here(); !why.empty()) GTEST_SKIP() << why

// ~3 s: 48 MiB/s into a 32 MiB limit.
TEST(CgroupE2E, LeakUnderASmallMemoryLimitIsAnOomKillAndTheCgroupIsRemoved) {
  SKIP_WITHOUT_CGROUP();
  TempDir tmp;
  int port = testing::free_port();
  auto r = run_command(soak_run(tmp / "out", {"--duration", "30s", "--memory-limit", "32MiB"}, port,
                                {"--leak", "memory", "--leak-bytes", "1048576", "--leak-per-s", "48"}),
                       60);
  ASSERT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("the SUT was killed by the kernel OOM killer at 32 MiB after 0:0"));
  auto s = json_file(tmp / "out" / "summary.json");
  EXPECT_EQ(s["status"], "sut_failed");
  EXPECT_EQ(s["sut"]["exit"]["oom_killed"], true);
  EXPECT_EQ(s["sut"]["exit"]["signal"], "SIGKILL");
  EXPECT_EQ(s["sut"]["exit"]["memory_limit_bytes"], 32.0 * 1024 * 1024);
  auto run = json_file(tmp / "out" / "run.json");
  ASSERT_TRUE(run["cgroup"].is_object()) << run.dump();
  fs::path cg = run["cgroup"]["path"].get<std::string>();
  EXPECT_FALSE(fs::exists(cg)) << cg;
  auto removed = events_named(tmp / "out", "cgroup_removed");
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0]["removed"], true);
  EXPECT_GT(count_series(tmp / "out", "cgroup_memory_bytes"), 0u);
  EXPECT_EQ(run["limits"]["memory_bytes"], 32.0 * 1024 * 1024);
  EXPECT_THAT(testing::read_file(tmp / "out" / "summary.md"), HasSubstr("killed by the kernel OOM killer at 32 MiB"));
}

// ~22 s at the default interval and warm-up: 4 MiB/s reaches 1 GiB in
// minutes, not in 6 h.
TEST(CgroupE2E, EnduranceFailsAFastLeakUnderAMemoryLimit) {
  SKIP_WITHOUT_CGROUP();
  TempDir tmp;
  int port = testing::free_port();
  auto r = run_command(soak_run(tmp / "out",
                                {"--duration", "20s", "--memory-limit", "1GiB", "--budget", "rss>=6h"},
                                port, {"--leak", "memory", "--leak-bytes", "262144", "--leak-per-s", "16"}),
                       60);
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  auto s = json_file(tmp / "out" / "summary.json");
  ASSERT_EQ(s["budgets"].size(), 1u);
  const auto& b = s["budgets"][0];
  EXPECT_EQ(b["kind"], "endurance");
  EXPECT_EQ(b["verdict"], "fail") << b.dump();
  EXPECT_DOUBLE_EQ(b["limit"].get<double>(), 6 * 3600.0);
  EXPECT_THAT(b["reason"].get<std::string>(), HasSubstr("rss reaches 1 GiB in"));
  const auto* rss = series_entry(s, "rss_bytes");
  ASSERT_NE(rss, nullptr);
  const auto& ttl = (*rss)["time_to_limit_s"];
  ASSERT_TRUE(ttl.is_object()) << rss->dump();
  EXPECT_EQ(ttl["limit_source"], "--memory-limit");
  EXPECT_LT(ttl["high"].get<double>(), 6 * 3600.0);
  EXPECT_THAT(testing::read_file(tmp / "out" / "summary.md"), HasSubstr("rss reaches 1 GiB in"));
}

// ~8 s: the same service without a leak, under load, lasts 6 h.
TEST(CgroupE2E, EndurancePassesHealthyChurn) {
  SKIP_WITHOUT_CGROUP();
  TempDir tmp;
  int port = testing::free_port();
  auto r = run_command(soak_run(tmp / "out",
                                {"--duration", "20s", "--memory-limit", "1GiB", "--budget", "rss>=6h",
                                 "--workload", "http://127.0.0.1:" + std::to_string(port) + "/", "--rate", "200"},
                                port, {}),
                       60);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto s = json_file(tmp / "out" / "summary.json");
  ASSERT_EQ(s["budgets"].size(), 1u);
  EXPECT_EQ(s["budgets"][0]["verdict"], "pass") << s["budgets"][0].dump();
  EXPECT_GT(s["workload"]["requests"].get<double>(), 500);
}

// ~4 s: RLIMIT_NOFILE reaches the SUT, and is the limit of fds.
TEST(CgroupE2E, NofileIsTheSutsLimitAndTheFdsLimit) {
  TempDir tmp;
  std::vector<std::string> argv = {testing::soak_binary().string(), "run", "--out", (tmp / "out").string(),
                                   "--style", "none", "--duration", "3s",
                                   "--nofile", "77", "--budget", "fds>=1h", "--ready", "log:limit",
                                   "--", "/bin/sh", "-c", "echo limit $(ulimit -n) $(ulimit -Hn); sleep 30"};
  auto r = run_command(argv, 60);
  // A sleeping shell's fds are flat: the endurance budget cannot fail.
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(testing::read_file(tmp / "out" / "sut.log"), HasSubstr("limit 77 77"));
  auto run = json_file(tmp / "out" / "run.json");
  EXPECT_EQ(run["limits"]["nofile"], 77);
}

// Configuration errors: exit 2 before anything is launched.
TEST(CgroupE2E, BadLimitsAndUnknownEnduranceLimitsAreUsageErrors) {
  TempDir tmp;
  auto run = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {testing::soak_binary().string(), "run", "--out", (tmp / "out").string(),
                                     "--duration", "5s"};
    argv.insert(argv.end(), args.begin(), args.end());
    for (const char* a : {"--", "/bin/sh", "-c", "echo launched > launched-marker; sleep 5"}) argv.push_back(a);
    return run_command(argv, 30);
  };
  auto r = run({"--budget", "goroutines>=7d", "--go", "http://127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--budget \"goroutines>=7d\": no known limit for goroutines"));
  EXPECT_THAT(r.err, HasSubstr("goroutines<=1000"));
  r = run({"--budget", "rss>=7d"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("no known limit for rss to last 7 d before (give --memory-limit SIZE or a level "
                               "budget such as rss<=1GiB)"));
  r = run({"--budget", "rss>=1w"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--budget \"rss>=1w\""));
  r = run({"--memory-limit", "1MiB"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--memory-limit \"1MiB\": expected a size of at least 4MiB"));
  r = run({"--memory-limit", "lots"});
  EXPECT_EQ(r.exit_code, 2);
  r = run({"--nofile", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--nofile \"0\""));
  r = run({"--nofile", "99999999999"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("nr_open"));
  EXPECT_FALSE(fs::exists(tmp / "out" / "events.jsonl"));
  EXPECT_FALSE(fs::exists("launched-marker"));
}

}  // namespace
}  // namespace soak
