// End-to-end verdicts (issue 3): the real soak binary judges slope budgets on
// the native example service in seconds-long runs, `soak check` re-judges the
// recorded run directory to the same verdicts and exit code, and --fail-fast
// ends a blatant leak early.
#include <fstream>
#include <map>
#include <optional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::CommandResult;
using testing::run_command;
using testing::TempDir;

CommandResult soak(std::vector<std::string> args) {
  args.insert(args.begin(), testing::soak_binary().string());
  return run_command(args, 180);
}

std::vector<std::string> leaky_server(int port, std::vector<std::string> extra) {
  std::vector<std::string> c = {(testing::build_dir() / "examples/native/leaky_server").string(),
                                "--port", std::to_string(port)};
  c.insert(c.end(), extra.begin(), extra.end());
  return c;
}

// soak run ... -- leaky_server --port P EXTRA
CommandResult soak_run(const fs::path& out, std::vector<std::string> flags, std::vector<std::string> extra) {
  int port = testing::free_port();
  std::vector<std::string> a = {"run", "--out", out.string(), "--interval", "250ms", "--style", "none",
                                "--ready", "tcp:127.0.0.1:" + std::to_string(port)};
  a.insert(a.end(), flags.begin(), flags.end());
  a.push_back("--");
  for (auto& c : leaky_server(port, extra)) a.push_back(c);
  return soak(a);
}

nlohmann::json summary_of(const fs::path& dir) {
  return nlohmann::json::parse(testing::read_file(dir / "summary.json"));
}

std::map<std::string, std::string> verdicts(const nlohmann::json& summary) {
  std::map<std::string, std::string> v;
  for (const auto& b : summary["budgets"]) v[b["spec"]] = b["verdict"];
  return v;
}

const nlohmann::json* budget(const nlohmann::json& summary, const std::string& spec) {
  for (const auto& b : summary["budgets"])
    if (b["spec"] == spec) return &b;
  return nullptr;
}

TEST(VerdictE2E, ALeakFailsWithAReadableReasonAndSoakCheckAgrees) {
  TempDir tmp;
  fs::path out = tmp / "leak";
  auto r = soak_run(out, {"--duration", "20s", "--budget", "threads=0/h", "--budget", "fds=0/h"},
                    {"--leak", "threads", "--leak-per-s", "10"});
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  auto s = summary_of(out);
  EXPECT_EQ(s["status"], "fail");
  const auto* threads = budget(s, "threads=0/h");
  ASSERT_NE(threads, nullptr);
  EXPECT_EQ((*threads)["verdict"], "fail");
  // 10 threads a second is 36,000 an hour; the interval must hold it.
  EXPECT_LT((*threads)["ci_low"].get<double>(), 36000 * 1.1);
  EXPECT_GT((*threads)["ci_high"].get<double>(), 36000 * 0.9);
  EXPECT_THAT((*threads)["reason"].get<std::string>(), HasSubstr("exceeds budget 0/h"));
  EXPECT_EQ(budget(s, "fds=0/h")->at("verdict"), "pass");

  auto check = soak({"check", out.string()});
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_THAT(check.out, HasSubstr("threads=0/h"));
  // `soak report` re-judges and rewrites summary.json: the same verdicts.
  auto before = verdicts(s);
  auto report = soak({"report", out.string()});
  EXPECT_EQ(report.exit_code, 1) << report.out << report.err;
  EXPECT_EQ(verdicts(summary_of(out)), before);
  // Under GitHub Actions, `soak report` annotates and writes the step summary
  // as `soak run` does.
  fs::path step = tmp / "step-summary.md";
  auto gha = run_command({testing::soak_binary().string(), "report", out.string()}, 180,
                         {"GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY=" + step.string()});
  EXPECT_EQ(gha.exit_code, 1) << gha.err;
  EXPECT_THAT(gha.out, HasSubstr("::error"));
  EXPECT_THAT(testing::read_file(step), HasSubstr("threads=0/h"));
}

TEST(VerdictE2E, AHealthyServicePassesAndSoakCheckAgrees) {
  TempDir tmp;
  fs::path out = tmp / "healthy";
  auto r = soak_run(out, {"--duration", "20s", "--budget", "threads=0/h", "--budget", "fds=0/h",
                          "--budget", "sockets=0/h"},
                    {"--leak", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto s = summary_of(out);
  for (const auto& [spec, verdict] : verdicts(s)) EXPECT_NE(verdict, "fail") << spec;
  auto check = soak({"check", out.string()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  // Re-judged with a stricter level budget given on the command line, the
  // same recorded data fails: check replaces the recorded budgets.
  auto strict = soak({"check", out.string(), "--budget", "rss<=1KiB"});
  EXPECT_EQ(strict.exit_code, 1) << strict.out << strict.err;
}

TEST(VerdictE2E, FailFastEndsABlatantLeakEarly) {
  TempDir tmp;
  fs::path out = tmp / "fast";
  auto r = soak_run(out, {"--duration", "2m", "--fail-fast", "--budget", "threads=0/h"},
                    {"--leak", "threads", "--leak-per-s", "20"});
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  bool early = false;
  double run_s = -1;
  std::optional<double> warmup_end;
  int looks = 0;
  std::ifstream in(out / "events.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto e = nlohmann::json::parse(line);
    if (e["event"] == "warmup_end") warmup_end = e["t"].get<double>();
    if (e["event"] == "early_look") {
      // No look before warm-up has ended; each records its level.
      ++looks;
      EXPECT_TRUE(warmup_end) << line;
      EXPECT_GT(e["confidence"].get<double>(), 0.99) << line;
    }
    if (e["event"] == "early_fail") early = true;
    if (e["event"] == "run_end") {
      EXPECT_EQ(e["reason"], "early_fail");
      run_s = e["duration_s"].get<double>();
    }
  }
  EXPECT_TRUE(early);
  EXPECT_GE(looks, 1);
  // The harness's own record of the run length (not this test's clock).
  EXPECT_GT(run_s, 0);
  EXPECT_LT(run_s, 120);
  EXPECT_EQ(summary_of(out)["status"], "fail");
  EXPECT_TRUE(fs::exists(out / "report.html"));
}

}  // namespace
}  // namespace soak
