#include "harness/history.h"

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/cli.h"
#include "harness/config.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using nlohmann::json;

constexpr double kMiB = 1024.0 * 1024.0;

// Clears an environment variable for the test and restores it after.
class ScopedUnset {
 public:
  explicit ScopedUnset(const char* name) : name_(name) {
    if (const char* v = std::getenv(name)) old_ = v;
    ::unsetenv(name);
  }
  ~ScopedUnset() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

json host(int cores = 4) {
  return {{"arch", "x86_64"}, {"cores", cores}, {"memory_bytes", 16.0 * 1024 * kMiB},
          {"kernel", "Linux 6.1.0-18-amd64"}};
}

// What the analysis gives for a run whose rss slope is `slope` with standard
// error `se` against the budget rss=8MiB/h.
Judgement judged(double slope, double se) {
  Judgement j;
  SeriesSummary s;
  s.name = "rss_bytes";
  s.unit = "bytes";
  Trend t;
  t.slope_per_h = slope;
  t.n_blocks = 60;
  t.n_eff = 1e6;  // the normal quantile
  t.se_per_h = se;  // the conservative fit's standard error, which the regression check takes
  s.trend = t;
  j.series.push_back(s);
  BudgetResult b;
  b.spec = "rss=8MiB/h";
  b.series = "rss_bytes";
  b.kind = "slope";
  b.limit = 8 * kMiB;
  b.per = "h";
  b.observed = slope;
  b.ci_low = slope - 2.3263 * se;  // one-sided bounds at 0.99
  b.ci_high = slope + 2.3263 * se;
  b.alpha = 0.01;
  b.verdict = b.ci_high <= b.limit ? Verdict::kPass : b.ci_low > b.limit ? Verdict::kFail : Verdict::kInconclusive;
  j.budgets.push_back(b);
  return j;
}

// Judges one build against the history file and appends it, as `soak check`
// does. Returns the regression row, if any.
std::optional<BudgetResult> build(const HistorySettings& h, const std::string& id, double slope, double se,
                                  json machine = host(), std::vector<std::string>* warnings = nullptr) {
  HistorySettings s = h;
  s.build = id;
  Judgement j = judged(slope, se);
  auto p = judge_history(s, json{{"host", machine}, {"start_utc", "2026-12-01T02:00:00Z"}}, "run-" + id, j);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.message());
  if (!p) return std::nullopt;
  Summary sum;
  sum.status = RunStatus::kPass;
  for (const auto& b : j.budgets)
    if (b.verdict == Verdict::kFail) sum.status = RunStatus::kFail;
  EXPECT_TRUE(finish_history(*p, sum).ok());
  if (warnings) *warnings = j.warnings;
  for (const auto& b : j.budgets)
    if (b.kind == "regression") return b;
  return std::nullopt;
}

// The regression check takes the conservative fit's standard error: the
// trend's for a time budget; for a /req budget, from the row's lower bound
// at the budget's level alone, since its upper bound is the pass bound
// (tighter by design: a t on more degrees of freedom).
TEST(History, StandardErrorIsTheFailSidesNotThePassBounds) {
  testing::TempDir dir;
  HistorySettings h;
  h.file = dir / "history.jsonl";
  h.build = "b1";
  Judgement j = judged(kMiB, 0.03 * kMiB);
  j.series[0].trend->se_per_h = 0.05 * kMiB;   // the trend's, not (high - low) / 2q
  j.budgets[0].ci_high = kMiB + 0.01 * kMiB;  // a pass bound tighter than the lower one
  BudgetResult req = j.budgets[0];
  req.spec = "rss=1KiB/req";
  req.per = "req";
  req.observed = 100.0;
  req.ci_low = 100.0 - 2.3263 * 4.0;  // se 4 B/req at alpha 0.01
  req.ci_high = 100.0 + 0.5;
  j.budgets.push_back(req);
  auto p = judge_history(h, json{{"host", host()}, {"start_utc", "2026-12-01T02:00:00Z"}}, "run-b1", j);
  ASSERT_TRUE(p.ok()) << p.message();
  Summary sum;
  sum.status = RunStatus::kPass;
  ASSERT_TRUE(finish_history(*p, sum).ok());
  auto file = read_history(h.file);
  ASSERT_TRUE(file.ok());
  ASSERT_EQ(file->records.size(), 1u);
  const auto& series = file->records[0].series;
  ASSERT_EQ(series.size(), 2u);
  ASSERT_TRUE(series[0].se);
  EXPECT_NEAR(*series[0].se, 0.05 * kMiB, 1e-9 * kMiB);
  ASSERT_TRUE(series[1].se);
  EXPECT_NEAR(*series[1].se, 4.0, 1e-3);
}

TEST(History, EightOrdinaryBuildsPassFourTimesFailsTheNextPasses) {
  testing::TempDir dir;
  HistorySettings h;
  h.file = dir / "history.jsonl";
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 0.04 * kMiB);
  for (int i = 1; i <= 8; ++i) {
    std::vector<std::string> warnings;
    auto row = build(h, "b" + std::to_string(i), kMiB + noise(rng), 0.03 * kMiB, host(), &warnings);
    if (i <= 5) {
      EXPECT_FALSE(row) << i;  // too little history: a note, no row
      EXPECT_THAT(warnings.at(0), HasSubstr("regressions are judged from 5")) << i;
    } else {
      ASSERT_TRUE(row) << i;
      EXPECT_EQ(row->verdict, Verdict::kPass) << i << row->reason;
      EXPECT_THAT(row->reason, HasSubstr("within the build history"));
    }
  }
  // 4 MiB/h is well within the 8 MiB/h budget, and a regression.
  auto bad = build(h, "b9", 4 * kMiB, 0.03 * kMiB);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->kind, "regression");
  EXPECT_EQ(bad->spec, "regression:rss=8MiB/h");
  EXPECT_EQ(bad->series, "rss_bytes");
  EXPECT_EQ(bad->verdict, Verdict::kFail);
  EXPECT_THAT(bad->reason, HasSubstr("last 8 passing builds"));
  EXPECT_THAT(bad->reason, HasSubstr("not yet confirmed"));
  EXPECT_LT(bad->limit, 4 * kMiB);
  EXPECT_GT(bad->limit, kMiB);

  auto next = build(h, "b10", 1.01 * kMiB, 0.03 * kMiB);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->verdict, Verdict::kPass) << next->reason;

  auto file = read_history(h.file);
  ASSERT_TRUE(file.ok());
  ASSERT_EQ(file->records.size(), 10u);
  EXPECT_TRUE(file->warnings.empty());
  const HistoryRecord& r9 = file->records[8];
  EXPECT_EQ(r9.build, "b9");
  EXPECT_EQ(r9.line, 9u);
  EXPECT_EQ(r9.machine_class, "x86_64/4c/16GiB/linux-6.1");
  EXPECT_EQ(r9.time, "2026-12-01T02:00:00Z");
  EXPECT_EQ(r9.status, "fail");  // the regression row failed the run
  ASSERT_EQ(r9.series.size(), 1u);
  EXPECT_EQ(r9.series[0].regression, "fail");
  EXPECT_EQ(r9.series[0].verdict, "pass");
  EXPECT_NEAR(*r9.series[0].se, 0.03 * kMiB, 1e-3 * kMiB);
  EXPECT_EQ(r9.series[0].n, 60);
  EXPECT_EQ(file->records[9].series[0].regression, "pass");
}

TEST(History, APersistentShiftIsConfirmedByEDivisive) {
  testing::TempDir dir;
  HistorySettings h;
  h.file = dir / "history.jsonl";
  for (int i = 1; i <= 8; ++i) build(h, "b" + std::to_string(i), kMiB * (1 + 0.01 * (i % 3)), 0.02 * kMiB);
  build(h, "b9", 4 * kMiB, 0.02 * kMiB);
  auto again = build(h, "b10", 4.05 * kMiB, 0.02 * kMiB);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->verdict, Verdict::kFail);  // still above the passing builds
  EXPECT_THAT(again->reason, HasSubstr("confirmed: E-divisive finds a persistent shift"));
  EXPECT_THAT(again->reason, HasSubstr("since build b9"));
}

TEST(History, WarnOnlyKeepsARegressionFromFailing) {
  testing::TempDir dir;
  HistorySettings h;
  h.file = dir / "history.jsonl";
  h.warn_only = true;
  for (int i = 1; i <= 6; ++i) build(h, "b" + std::to_string(i), kMiB * (1 + 0.01 * (i % 3)), 0.02 * kMiB);
  std::vector<std::string> warnings;
  auto row = build(h, "b7", 4 * kMiB, 0.02 * kMiB, host(), &warnings);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->verdict, Verdict::kPass);
  EXPECT_THAT(row->reason, HasSubstr("--history-warn-only"));
  ASSERT_FALSE(warnings.empty());
  EXPECT_THAT(warnings.back(), HasSubstr("rss_bytes regressed"));
  auto file = read_history(h.file);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->records.back().series[0].regression, "warn");
}

TEST(History, OnlyTheSameMachineClassCounts) {
  testing::TempDir dir;
  HistorySettings h;
  h.file = dir / "history.jsonl";
  for (int i = 1; i <= 8; ++i) build(h, "b" + std::to_string(i), kMiB, 0.02 * kMiB, host(4));
  std::vector<std::string> warnings;
  auto row = build(h, "big", 4 * kMiB, 0.02 * kMiB, host(16), &warnings);
  EXPECT_FALSE(row);
  EXPECT_THAT(warnings.at(0), HasSubstr("0 earlier passing build(s) of machine class x86_64/16c/16GiB/linux-6.1"));
}

TEST(History, ARerunOfTheSameBuildIsJudgedWithoutItsEarlierRecord) {
  testing::TempDir dir;
  HistorySettings h;
  h.file = dir / "history.jsonl";
  for (int i = 1; i <= 6; ++i) build(h, "b" + std::to_string(i), kMiB, 0.02 * kMiB);
  std::vector<std::string> warnings;
  auto row = build(h, "b6", kMiB, 0.02 * kMiB, host(), &warnings);
  ASSERT_TRUE(row);
  EXPECT_THAT(row->reason, HasSubstr("last 5 passing builds"));
  EXPECT_THAT(warnings.at(0), HasSubstr("build b6 is already recorded"));
}

TEST(HistoryFile, MalformedLinesAreReportedWithTheirNumberAndSkipped) {
  testing::TempDir dir;
  fs::path f = dir / "h.jsonl";
  HistoryRecord r;
  r.build = "good";
  r.machine = host();
  r.machine_class = machine_class(r.machine);
  std::string good = to_json(r).dump();
  testing::write_file(f, good + "\n{not json\n\n{\"schema\": \"soak.history/v1\", \"series\": []}\n"
                             "{\"schema\": \"other/v9\", \"build\": \"x\", \"series\": []}\n[1, 2]\n" +
                             good + "\n");
  auto h = read_history(f);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->records.size(), 2u);
  EXPECT_EQ(h->records[0].line, 1u);
  EXPECT_EQ(h->records[1].line, 7u);
  ASSERT_EQ(h->warnings.size(), 4u);
  EXPECT_THAT(h->warnings[0], HasSubstr("h.jsonl:2: not valid JSON; line skipped"));
  EXPECT_THAT(h->warnings[1], HasSubstr("h.jsonl:4: missing \"build\""));
  EXPECT_THAT(h->warnings[2], HasSubstr("h.jsonl:5: schema is \"other/v9\""));
  EXPECT_THAT(h->warnings[3], HasSubstr("h.jsonl:6: not a JSON object"));
}

TEST(HistoryFile, MissingIsEmptyADirectoryIsAnError) {
  testing::TempDir dir;
  auto missing = read_history(dir / "nope.jsonl");
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->records.empty());
  auto d = read_history(dir.path());
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.message(), HasSubstr("is a directory"));
  EXPECT_FALSE(check_history_file(dir.path()).ok());
  EXPECT_TRUE(check_history_file(dir / "new.jsonl").ok());
  auto nodir = check_history_file(dir / "no" / "such" / "h.jsonl");
  ASSERT_FALSE(nodir.ok());
  EXPECT_THAT(nodir.message(), HasSubstr("does not exist"));
}

TEST(HistoryFile, AnAppendAfterATornLineStartsOnANewLine) {
  testing::TempDir dir;
  fs::path f = dir / "h.jsonl";
  HistoryRecord r;
  r.build = "one";
  ASSERT_TRUE(append_history(f, r).ok());
  {  // a writer that died mid-line
    std::ofstream out(f, std::ios::app);
    out << "{\"schema\": \"soak.history/v1\", \"bui";
  }
  r.build = "two";
  ASSERT_TRUE(append_history(f, r).ok());
  auto h = read_history(f);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->records.size(), 2u);
  EXPECT_EQ(h->records[0].build, "one");
  EXPECT_EQ(h->records[1].build, "two");
  EXPECT_EQ(h->records[1].line, 3u);
  ASSERT_EQ(h->warnings.size(), 1u);
  EXPECT_THAT(h->warnings[0], HasSubstr(":2: not valid JSON"));
}

TEST(HistoryFacts, MachineClass) {
  EXPECT_EQ(machine_class(host()), "x86_64/4c/16GiB/linux-6.1");
  EXPECT_EQ(machine_class(json{{"cores", 2}, {"memory_bytes", 8.2e9}, {"kernel", "Linux 5.15.0-1057-azure"}}),
            "?/2c/8GiB/linux-5.15");
  EXPECT_EQ(machine_class(json::object()), "?/?/?/?");
}

TEST(HistoryFacts, GitCommitFromTheRepositoryFiles) {
  ScopedUnset sha("GITHUB_SHA"), ref("GITHUB_REF_NAME");
  testing::TempDir dir;
  const std::string a(40, 'a'), b(40, 'b');
  fs::create_directories(dir / "repo/.git/refs/heads");
  fs::create_directories(dir / "repo/sub/dir");
  testing::write_file(dir / "repo/.git/HEAD", "ref: refs/heads/main\n");
  testing::write_file(dir / "repo/.git/refs/heads/main", a + "\n");
  EXPECT_EQ(git_commit(dir / "repo/sub/dir"), a);
  EXPECT_EQ(git_branch(dir / "repo/sub/dir"), "main");
  // A packed ref.
  testing::write_file(dir / "repo/.git/HEAD", "ref: refs/heads/topic\n");
  testing::write_file(dir / "repo/.git/packed-refs", "# pack-refs with: peeled\n" + b + " refs/heads/topic\n");
  EXPECT_EQ(git_commit(dir / "repo"), b);
  // A worktree: .git is a file pointing at its git dir, refs in the common dir.
  fs::create_directories(dir / "repo/.git/worktrees/wt");
  fs::create_directories(dir / "wt");
  testing::write_file(dir / "wt/.git", "gitdir: " + (dir / "repo/.git/worktrees/wt").string() + "\n");
  testing::write_file(dir / "repo/.git/worktrees/wt/HEAD", "ref: refs/heads/main\n");
  testing::write_file(dir / "repo/.git/worktrees/wt/commondir", "../..\n");
  EXPECT_EQ(git_commit(dir / "wt"), a);
  // Outside any repository: unknown.
  fs::create_directories(dir / "plain");
  EXPECT_EQ(git_commit(dir / "plain"), "");  // $TMPDIR is not inside a repository
  ::setenv("GITHUB_SHA", "0123abc", 1);
  EXPECT_EQ(git_commit(dir / "plain"), "0123abc");
  ::unsetenv("GITHUB_SHA");
}

TEST(HistoryReport, OtavaJsonShapeAndThePage) {
  HistoryRecord r;
  r.build = "b<1>";
  r.timestamp = 1795226400;
  r.time = "2026-11-21T02:00:00Z";
  r.commit = std::string(40, 'c');
  r.branch = "main";
  r.machine_class = "x86_64/4c/16GiB/linux-6.1";
  HistorySeries s;
  s.series = "rss_bytes";
  s.per = "h";
  s.slope = kMiB;
  s.ci_low = 0.9 * kMiB;
  s.ci_high = 1.1 * kMiB;
  s.limit = 8 * kMiB;
  s.verdict = "pass";
  r.series.push_back(s);
  HistoryRecord r2 = r;
  r2.build = "b2";
  r2.series[0].slope = 4 * kMiB;
  r2.series[0].regression = "fail";
  json o = to_otava_json({r, r2});
  ASSERT_TRUE(o.is_array());
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0]["timestamp"], 1795226400);
  EXPECT_EQ(o[0]["metrics"][0]["name"], "rss_bytes.slope_per_h");
  EXPECT_DOUBLE_EQ(o[0]["metrics"][0]["value"].get<double>(), kMiB);
  EXPECT_EQ(o[0]["attributes"]["commit"], std::string(40, 'c'));
  EXPECT_EQ(o[0]["attributes"]["branch"], "main");
  EXPECT_EQ(o[0]["attributes"]["build"], "b<1>");
  for (auto& [k, v] : o[0]["attributes"].items()) EXPECT_TRUE(v.is_string()) << k;  // Otava wants strings

  std::string page = history_html({r, r2}, "t");
  EXPECT_THAT(page, HasSubstr("<svg"));
  EXPECT_THAT(page, HasSubstr("b&lt;1&gt;"));  // escaped
  EXPECT_EQ(page.find("b<1>"), std::string::npos);
  EXPECT_THAT(page, HasSubstr("#d62728"));     // the regression point
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);
}

TEST(HistoryConfig, KeyAndFlags) {
  RunConfig c;
  ASSERT_TRUE(apply_config_json(json{{"history", {{"file", "h.jsonl"}, {"warn_only", true}}}}, c).ok());
  ASSERT_TRUE(c.history);
  EXPECT_EQ(c.history->file, "h.jsonl");
  EXPECT_TRUE(c.history->warn_only);
  RunConfig back;
  ASSERT_TRUE(apply_config_json(config_to_json(c), back).ok());
  ASSERT_TRUE(back.history);
  EXPECT_EQ(back.history->file, "h.jsonl");

  RunConfig bad;
  auto st = apply_config_json(json{{"history", {{"fil", "h.jsonl"}}}}, bad);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("history.fil: unknown key"));
  st = apply_config_json(json{{"history", "h.jsonl"}}, bad);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("history: expected an object"));

  auto run = parse_cli({"soak", "run", "--duration", "1m", "--history", "h.jsonl", "--build", "abc",
                        "--history-warn-only", "--", "true"});
  ASSERT_TRUE(run.ok()) << run.message();
  ASSERT_TRUE(run->run.history);
  EXPECT_EQ(run->run.history->build, "abc");
  EXPECT_TRUE(run->run.history->warn_only);
  auto check = parse_cli({"soak", "check", "dir", "--history", "h.jsonl", "--build", "7"});
  ASSERT_TRUE(check.ok()) << check.message();
  ASSERT_TRUE(check->history);
  EXPECT_EQ(check->history->file, "h.jsonl");
  EXPECT_EQ(check->history->build, "7");
  auto lonely = parse_cli({"soak", "check", "dir", "--build", "7"});
  ASSERT_FALSE(lonely.ok());
  EXPECT_THAT(lonely.message(), HasSubstr("--build \"7\": needs --history FILE"));
  auto hist = parse_cli({"soak", "history", "h.jsonl", "--out", "o", "--otava", "x.json"});
  ASSERT_TRUE(hist.ok()) << hist.message();
  EXPECT_EQ(hist->command, CliCommand::kHistory);
  EXPECT_EQ(hist->history_file, "h.jsonl");
  EXPECT_EQ(*hist->history_options.out, "o");
  EXPECT_EQ(*hist->history_options.otava, "x.json");
}

}  // namespace
}  // namespace soak
