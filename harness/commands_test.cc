#include "harness/commands.h"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/exit_codes.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
using testing::write_file;

// A hand-made run directory: rss grows 1 MB per sample-second from 10 MB,
// far above any budget below, with a small deterministic wobble.
std::string growing_samples(int n, bool truncated_tail) {
  std::string s;
  for (int i = 0; i < n; ++i)
    s += fmt::format("{{\"t\": {}.0, \"rss_bytes\": {}, \"threads\": 4}}\n", i + 1,
                     10'000'000 + 1'000'000 * i + (i % 3) * 1000);
  if (truncated_tail) s += "{\"t\": 999.0, \"rss_by";  // killed mid-write
  return s;
}

void make_run(const TempDir& dir, const std::string& run_json, const std::string& events = "") {
  write_file(dir / "run.json", run_json);
  write_file(dir / "samples.jsonl", growing_samples(240, true));
  if (!events.empty()) write_file(dir / "events.jsonl", events);
}

const char* kMinimalRun = R"({"schema": "soak.run/v1", "interval_s": 1.0, "budgets": ["rss<=1MiB"]})";

TEST(CheckCommandTest, MinimalRunJsonWithTruncatedLineIsJudged) {
  TempDir dir;
  make_run(dir, kMinimalRun);
  std::ostringstream out;
  auto code = check_command(dir.path(), {}, out);
  ASSERT_TRUE(code.ok()) << code.message();
  // rss is ~10 MB on every sample: the 1 MiB level ceiling fails.
  EXPECT_EQ(*code, exit_code::kBudgetFailed) << out.str();
  EXPECT_THAT(out.str(), HasSubstr("FAIL"));
  EXPECT_THAT(out.str(), HasSubstr("rss<=1MiB"));
  EXPECT_THAT(out.str(), HasSubstr("truncated"));
  EXPECT_THAT(out.str(), HasSubstr("soak: fail (exit 1)"));
}

TEST(CheckCommandTest, ABadLineInTheMiddleIsNamedAndTheRestIsJudged) {
  TempDir dir;
  write_file(dir / "run.json", kMinimalRun);
  std::string samples = growing_samples(240, false);
  auto at = samples.find('\n', samples.size() / 2);  // a half-written line, then more lines
  samples.insert(at + 1, "{\"t\": 120.5, \"rss_by\n");
  size_t line = std::count(samples.begin(), samples.begin() + static_cast<long>(at) + 1, '\n') + 1;
  write_file(dir / "samples.jsonl", samples);
  std::ostringstream out;
  auto code = check_command(dir.path(), {}, out);
  ASSERT_TRUE(code.ok()) << code.message();
  EXPECT_EQ(*code, exit_code::kBudgetFailed) << out.str();  // judged, not "no data"
  EXPECT_THAT(out.str(), HasSubstr(fmt::format("warning: samples.jsonl: line {}: not a JSON object", line)));
}

TEST(CheckCommandTest, BudgetsOnTheCommandLineReplaceTheRecordedOnes) {
  TempDir dir;
  make_run(dir, kMinimalRun);
  auto generous = parse_budget("rss<=1GiB");
  ASSERT_TRUE(generous.ok());
  std::ostringstream out;
  auto code = check_command(dir.path(), CheckOptions{{*generous}, {}, {}}, out);
  ASSERT_TRUE(code.ok()) << code.message();
  EXPECT_EQ(*code, exit_code::kPass) << out.str();
  EXPECT_THAT(out.str(), HasSubstr("rss<=1GiB"));
  EXPECT_THAT(out.str(), ::testing::Not(HasSubstr("rss<=1MiB")));
}

TEST(CheckCommandTest, ACrashedRunIsStillJudgedAndExits3) {
  TempDir dir;
  make_run(dir, kMinimalRun, R"({"t": 0.1, "event": "launched", "pid": 1234}
{"t": 0.3, "event": "ready"}
{"t": 240.5, "event": "sut_exited", "signal": "SIGKILL", "oom_killed": true}
)");
  std::ostringstream out;
  auto s = judge_run_dir(dir.path(), {});
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->status, RunStatus::kSutFailed);
  EXPECT_EQ(s->exit_code, exit_code::kSutFailed);
  EXPECT_EQ(s->pid, 1234);
  ASSERT_EQ(s->budgets.size(), 1u);
  EXPECT_EQ(s->budgets[0].verdict, Verdict::kFail);  // judged despite the crash
  auto code = check_command(dir.path(), {}, out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, exit_code::kSutFailed);
  EXPECT_THAT(out.str(), HasSubstr("was killed by the kernel OOM killer"));
}

TEST(CheckCommandTest, AFixedWarmupCountsFromReadiness) {
  TempDir dir;
  make_run(dir, R"({"schema": "soak.run/v1", "interval_s": 1.0, "warmup": 20, "budgets": ["rss<=1GiB"]})",
           "{\"t\": 5.0, \"event\": \"ready\"}\n");
  auto s = judge_run_dir(dir.path(), {});
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_TRUE(s->warmup_s);
  EXPECT_DOUBLE_EQ(*s->warmup_s, 25.0);
}

TEST(CheckCommandTest, InterruptedRunExits130) {
  TempDir dir;
  make_run(dir, kMinimalRun, "{\"t\": 0.3, \"event\": \"ready\"}\n{\"t\": 100, \"event\": \"interrupted\", \"signal\": \"SIGINT\"}\n");
  std::ostringstream out;
  auto code = check_command(dir.path(), {}, out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, exit_code::kInterrupted);
}

TEST(CheckCommandTest, BadRunDirectoriesNameTheFile) {
  TempDir dir;
  std::ostringstream out;
  auto code = check_command(dir.path(), {}, out);
  ASSERT_FALSE(code.ok());
  EXPECT_THAT(code.message(), HasSubstr("run.json"));
  write_file(dir / "run.json", R"({"schema": "soak.run/v1", "budgets": ["rss=1MB/hr"]})");
  write_file(dir / "samples.jsonl", growing_samples(10, false));
  code = check_command(dir.path(), {}, out);
  ASSERT_FALSE(code.ok());
  EXPECT_THAT(code.message(), HasSubstr("budgets[0] \"rss=1MB/hr\": unknown time unit \"hr\""));
}

TEST(ReportCommandTest, WritesSummaryAndReportsWithTheCheckExitCode) {
  TempDir dir;
  make_run(dir, kMinimalRun);
  std::ostringstream out;
  auto code = report_command(dir.path(), out);
  ASSERT_TRUE(code.ok()) << code.message();
  EXPECT_EQ(*code, exit_code::kBudgetFailed) << out.str();
  auto j = nlohmann::json::parse(testing::read_file(dir / "summary.json"));
  auto s = summary_from_json(j);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->status, RunStatus::kFail);
  EXPECT_EQ(s->samples, 240u);
  ASSERT_EQ(s->budgets.size(), 1u);
  EXPECT_EQ(s->budgets[0].spec, "rss<=1MiB");
  EXPECT_TRUE(std::filesystem::exists(dir / "report.html"));
  EXPECT_TRUE(std::filesystem::exists(dir / "junit.xml"));
  EXPECT_TRUE(std::filesystem::exists(dir / "summary.md"));
}

TEST(CompareCommandTest, JudgesARunWithoutSummary) {
  TempDir dir;
  TempDir base;
  const char* run = R"({"schema": "soak.run/v1", "interval_s": 1.0, "budgets": ["rss=2MiB/h"]})";
  make_run(dir, run);
  make_run(base, run);
  std::ostringstream out;
  auto code = compare_command(base.path(), dir.path(), out);
  ASSERT_TRUE(code.ok()) << code.message();
  EXPECT_EQ(*code, 0) << out.str();  // the same data cannot have regressed
  EXPECT_THAT(out.str(), HasSubstr("rss_bytes"));
}

Summary summary_with(double slope, double lo, double hi) {
  Summary s;
  s.status = RunStatus::kPass;
  s.exit_code = 0;
  SeriesSummary ss;
  ss.name = "rss_bytes";
  ss.unit = "bytes";
  ss.count = 10;
  ss.trend = Trend{};
  ss.trend->slope_per_h = slope;
  ss.trend->ci_low_per_h = lo;
  ss.trend->ci_high_per_h = hi;
  s.series.push_back(ss);
  SeriesSummary counter;
  counter.name = "requests";
  counter.trend = Trend{};
  counter.trend->slope_per_h = 1e9;
  counter.trend->ci_low_per_h = 1e9;
  s.series.push_back(counter);
  // An unbudgeted series whose slope jumps: not compared.
  SeriesSummary threads;
  threads.name = "threads";
  threads.trend = Trend{};
  threads.trend->slope_per_h = slope;
  threads.trend->ci_low_per_h = lo;
  threads.trend->ci_high_per_h = hi;
  s.series.push_back(threads);
  BudgetResult b;
  b.spec = "rss=2MiB/h";
  b.series = "rss_bytes";
  b.kind = "slope";
  b.per = "h";
  b.limit = 2 * 1024 * 1024;
  s.budgets.push_back(b);
  return s;
}

void write_summary(const std::filesystem::path& dir, const Summary& s) {
  std::filesystem::create_directories(dir);
  write_file(dir / "summary.json", to_json(s).dump());
}

TEST(CompareCommandTest, FlagsASlopeIntervalAboveTheBase) {
  TempDir dir;
  write_summary(dir / "base", summary_with(1e5, 0, 2e5));
  write_summary(dir / "same", summary_with(1.5e5, 0.5e5, 2.5e5));
  write_summary(dir / "worse", summary_with(5e6, 4e6, 6e6));
  std::ostringstream same_out, worse_out;
  auto same = compare_command(dir / "base", dir / "same", same_out);
  ASSERT_TRUE(same.ok()) << same.message();
  EXPECT_EQ(*same, 0) << same_out.str();
  EXPECT_THAT(same_out.str(), HasSubstr("rss_bytes"));
  EXPECT_THAT(same_out.str(), HasSubstr("no series regressed"));
  auto worse = compare_command(dir / "base", dir / "worse", worse_out);
  ASSERT_TRUE(worse.ok());
  EXPECT_EQ(*worse, 1) << worse_out.str();
  EXPECT_THAT(worse_out.str(), HasSubstr("REGRESSED"));
  EXPECT_THAT(worse_out.str(), ::testing::Not(HasSubstr("requests")));  // unbudgeted series skipped
  EXPECT_THAT(worse_out.str(), ::testing::Not(HasSubstr("threads")));

  auto missing = compare_command(dir / "base", dir / "nope", worse_out);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.message(), HasSubstr("nope"));
}

TEST(CompareCommandTest, APreciseButTrivialChangeDoesNotRegress) {
  // +0.2 MB/h, resolved to +-1 kB/h by two long runs: significant, but under
  // half the 2 MiB/h budget.
  TempDir dir;
  write_summary(dir / "base", summary_with(1e5, 0.99e5, 1.01e5));
  write_summary(dir / "new", summary_with(3e5, 2.99e5, 3.01e5));
  std::ostringstream out;
  auto code = compare_command(dir / "base", dir / "new", out);
  ASSERT_TRUE(code.ok()) << code.message();
  EXPECT_EQ(*code, 0) << out.str();
  EXPECT_THAT(out.str(), HasSubstr("significant, but under the floor of 1.00 MiB/h"));
}

}  // namespace
}  // namespace soak

namespace soak {
namespace {

TEST(VerdictTableTest, AFailedGoroutineBudgetShowsItsTopCulprit) {
  Summary s;
  s.status = RunStatus::kFail;
  s.exit_code = 1;
  BudgetResult b;
  b.spec = "goroutines=0/h";
  b.series = "goroutines";
  b.kind = "slope";
  b.per = "h";
  b.observed = 400;
  b.ci_low = 350;
  b.ci_high = 450;
  b.verdict = Verdict::kFail;
  b.reason = "grows";
  s.budgets.push_back(b);
  BudgetResult ok = b;
  ok.spec = "rss=2MiB/h";
  ok.series = "rss_bytes";
  ok.verdict = Verdict::kPass;
  s.budgets.push_back(ok);
  s.culprits.push_back(Culprit{"goroutines", "main.small", "a.go:1", {}, 10, 20, ""});
  s.culprits.push_back(Culprit{"goroutines", "main.worker.func1", "worker.go:42", {}, 10, 410, "chan receive"});
  s.culprits.push_back(Culprit{"heap", "main.alloc", "b.go:2", {}, 0, 1e9, ""});
  std::string t = verdict_table(s, false);
  EXPECT_THAT(t, HasSubstr("FAIL          goroutines=0/h"));
  EXPECT_THAT(t, HasSubstr("top culprit: main.worker.func1 worker.go:42 (10 -> 410, chan receive)\n"));
  EXPECT_EQ(t.find("main.small"), std::string::npos);
  EXPECT_EQ(t.find("main.alloc"), std::string::npos);  // no failed heap budget
  EXPECT_EQ(t.find("soak: fail"), std::string::npos);
  EXPECT_THAT(verdict_table(s), HasSubstr("soak: fail (exit 1)\n"));
}

// The bounds carry the slope's unit, as in the reports: "[-5.32 MiB, 7.03
// MiB]" after "2.81 MiB/h" read as if they were levels.
TEST(VerdictTableTest, BoundsCarryTheSlopesUnit) {
  Summary s;
  BudgetResult b;
  b.spec = "rss=4MiB/h";
  b.series = "rss_bytes";
  b.kind = "slope";
  b.per = "h";
  b.limit = 4.0 * 1048576;
  b.observed = 2.81 * 1048576;
  b.ci_low = -5.32 * 1048576;
  b.ci_high = 7.03 * 1048576;
  b.verdict = Verdict::kInconclusive;
  s.budgets.push_back(b);
  EXPECT_THAT(verdict_table(s, false), HasSubstr("(rss_bytes): 2.81 MiB/h [-5.32 MiB/h, 7.03 MiB/h], limit 4.00 MiB/h"));
}

TEST(VerdictTableTest, AFailedNativeHeapBudgetNamesItsTopAllocationSiteInOneLine) {
  Summary s;
  BudgetResult b;
  b.spec = "heap=1MiB/h";
  b.series = "heap_bytes";  // the allocation shim's
  b.kind = "slope";
  b.per = "h";
  b.limit = 1048576;
  b.observed = 700.0 * 1048576;
  b.verdict = Verdict::kFail;
  s.budgets.push_back(b);
  s.culprits.push_back(Culprit{"heap", "main.alloc", "b.go:2", {}, 0, 1e9, ""});  // Go's: not this series'
  s.culprits.push_back(Culprit{"native_heap", "parse", "parser.cc:7", {}, 0, 2e6, ""});
  s.culprits.push_back(Culprit{"native_heap", "handle_request", "server.cc:212", {}, 1.2 * 1048576, 48.0 * 1048576, ""});
  std::string t = verdict_table(s, false);
  EXPECT_THAT(t, HasSubstr("top culprit: heap 1.20 MiB -> 48.0 MiB at handle_request (server.cc:212)\n")) << t;
  EXPECT_EQ(t.find("parse"), std::string::npos);
  EXPECT_EQ(t.find("main.alloc"), std::string::npos);
}

}  // namespace
}  // namespace soak
