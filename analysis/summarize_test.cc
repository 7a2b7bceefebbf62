#include "analysis/summarize.h"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

namespace soak {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

Budget budget(std::string_view spec) {
  auto b = parse_budget(spec);
  EXPECT_TRUE(b.ok()) << spec;
  return *b;
}

// rss = 100 MiB + slope*t + iid noise, one sample per `dt` seconds.
SeriesData line_series(std::string name, double duration_s, double dt, double slope_per_h, double sigma,
                       unsigned seed) {
  SeriesData s{std::move(name), {}, {}};
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0, 1);
  for (double t = dt; t <= duration_s; t += dt) {
    s.t.push_back(t);
    s.v.push_back(100 * kMiB + slope_per_h * t / 3600 + sigma * z(rng));
  }
  return s;
}

RunData run_with(std::vector<SeriesData> series) {
  RunData d;
  d.run = {{"schema", "soak.run/v1"}, {"interval_s", 1.0}};
  d.series = std::move(series);
  return d;
}

TEST(JudgeRun, ObviousLeakFailsWithReadableReason) {
  auto d = run_with({line_series("rss_bytes", 7200, 1, 20 * kMiB, 0.5 * kMiB, 1)});
  Judgement j = judge_run(d, {budget("rss=2MiB/h")}, AnalysisOptions{});
  ASSERT_EQ(j.budgets.size(), 1u);
  const auto& b = j.budgets[0];
  EXPECT_EQ(b.verdict, Verdict::kFail);
  EXPECT_EQ(b.series, "rss_bytes");
  EXPECT_EQ(b.kind, "slope");
  EXPECT_EQ(b.per, "h");
  EXPECT_NEAR(*b.observed, 20 * kMiB, 0.5 * kMiB);
  EXPECT_GT(*b.ci_low, 2 * kMiB);
  EXPECT_TRUE(b.reason.starts_with("slope 20")) << b.reason << " / " << j.series[0].trend->note;
  EXPECT_NE(b.reason.find(" MiB/h ["), std::string::npos) << b.reason;
  EXPECT_TRUE(b.reason.ends_with("exceeds budget 2 MiB/h")) << b.reason;
  ASSERT_EQ(j.series.size(), 1u);
  ASSERT_TRUE(j.series[0].trend);
  const Trend& t = *j.series[0].trend;
  EXPECT_EQ(t.signal, "block-min");
  EXPECT_EQ(t.method, "theil-sen");
  EXPECT_FALSE(t.block_t.empty());
  EXPECT_EQ(t.block_t.size(), t.block_v.size());
  EXPECT_GE(t.warmup_end_s, 720 - 1e-9);
  EXPECT_TRUE(t.mds_per_h);
  EXPECT_TRUE(t.ols_slope_per_h);
  EXPECT_LE(t.ci_low_per_h, t.slope_per_h);
  EXPECT_GE(t.ci_high_per_h, t.slope_per_h);
  EXPECT_TRUE(j.warmup_s);
}

TEST(JudgeRun, FlatSeriesPassesWithinBudget) {
  auto d = run_with({line_series("rss_bytes", 7200, 1, 0, 0.2 * kMiB, 2)});
  Judgement j = judge_run(d, {budget("rss=2MiB/h")}, AnalysisOptions{});
  const auto& b = j.budgets[0];
  EXPECT_EQ(b.verdict, Verdict::kPass) << b.reason;
  EXPECT_TRUE(b.reason.starts_with("slope ")) << b.reason;
  EXPECT_TRUE(b.reason.ends_with("within budget 2 MiB/h")) << b.reason;
  EXPECT_LT(*b.ci_high, 2 * kMiB);
  EXPECT_TRUE(b.mds);
}

TEST(JudgeRun, ShortNoisyRunIsInconclusiveAndSaysHowLongToRun) {
  auto d = run_with({line_series("rss_bytes", 900, 1, 2 * kMiB, 3 * kMiB, 3)});
  Judgement j = judge_run(d, {budget("rss=2MiB/h")}, AnalysisOptions{});
  const auto& b = j.budgets[0];
  EXPECT_EQ(b.verdict, Verdict::kInconclusive) << b.reason;
  EXPECT_TRUE(b.reason.starts_with("inconclusive: this run could only detect slopes above ")) << b.reason;
  EXPECT_NE(b.reason.find(" would resolve 2 MiB/h"), std::string::npos) << b.reason;
  ASSERT_TRUE(b.needed_s);
  EXPECT_GT(*b.needed_s, 900);
  ASSERT_TRUE(b.mds);
  EXPECT_GT(*b.mds, 2 * kMiB);
}

// A precise run whose slope sits just under the budget: it could detect
// far less than twice the budget, so "a longer run would resolve 2 MiB/h"
// would be wrong (this run resolves that); the slope is too close to the
// budget, and the run that decides is the one whose upper bound shrinks
// to the slope's distance from the budget.
TEST(JudgeRun, PreciseRunNearTheBudgetSaysTooCloseNotRunLonger) {
  auto d = run_with({line_series("rss_bytes", 3600, 1, 1.8 * kMiB, 1.5 * kMiB, 4)});
  Judgement j = judge_run(d, {budget("rss=2MiB/h")}, AnalysisOptions{});
  const auto& b = j.budgets[0];
  ASSERT_EQ(b.verdict, Verdict::kInconclusive) << b.reason;
  EXPECT_TRUE(b.reason.find(" is too close to budget 2 MiB/h to decide (this run could detect slopes above ") !=
              std::string::npos) << b.reason;
  EXPECT_EQ(b.reason.find("would resolve"), std::string::npos) << b.reason;
  ASSERT_TRUE(b.mds);
  EXPECT_LT(*b.mds, 4 * kMiB);  // resolves twice the budget already
  ASSERT_TRUE(b.needed_s);
  EXPECT_GT(*b.needed_s, 3600);  // deciding takes longer than this run
  // The decisive run: the upper bound's half-width (high - slope) shrinks
  // as T^-1.5 to the slope's distance from the budget.
  const double half = *b.ci_high - *b.observed, gap = 2 * kMiB - *b.observed;
  ASSERT_GT(gap, 0);
  ASSERT_TRUE(j.series[0].trend);
  const double warmup = j.series[0].trend->warmup_end_s, post = 3600 - warmup;  // the 10 % floor
  EXPECT_NEAR(warmup, 360, 1);
  EXPECT_NEAR(*b.needed_s, warmup + post * std::pow(half / gap, 2.0 / 3.0), 1.0);
}

TEST(JudgeRun, BudgetOnMissingSeriesIsInconclusiveNeverPass) {
  auto d = run_with({line_series("rss_bytes", 600, 1, 0, 0, 4)});
  Judgement j = judge_run(d, {budget("goroutines=0/h"), budget("heap<=1GiB")}, AnalysisOptions{});
  ASSERT_EQ(j.budgets.size(), 2u);
  for (const auto& b : j.budgets) {
    EXPECT_EQ(b.verdict, Verdict::kInconclusive) << b.spec;
    EXPECT_TRUE(b.reason.starts_with("inconclusive: no data")) << b.reason;
  }
  EXPECT_EQ(j.budgets[0].series, "goroutines");
  EXPECT_EQ(j.budgets[1].alias, "heap");
}

TEST(JudgeRun, HeapAliasPrefersGoLiveHeap) {
  auto d = run_with({line_series("rss_anon_bytes", 3600, 1, 50 * kMiB, 0.1 * kMiB, 5),
                     line_series("go_heap_live_bytes", 3600, 5, 0, 0.1 * kMiB, 6)});
  Judgement j = judge_run(d, {budget("heap=5MiB/h")}, AnalysisOptions{});
  const auto& b = j.budgets[0];
  EXPECT_EQ(b.series, "go_heap_live_bytes");
  EXPECT_EQ(b.alias, "heap");
  EXPECT_EQ(b.verdict, Verdict::kPass) << b.reason;
  EXPECT_EQ(j.series[1].trend->signal, "gc-live");
}

TEST(JudgeRun, LiveHeapOfALeakIsJudgedFromItsThinningGcCycles) {
  // A leaking Go heap collects ever more rarely: here a GC every 0.5 s for
  // the first 30 s, then one every 4 s. Time blocks of 2.5 s would hold 5
  // readings early and 1 late, and the rule that drops sparse blocks would
  // throw away exactly the late readings of the leak. Each GC reading is a
  // floor already, so it is judged point by point.
  SeriesData live{"go_heap_live_bytes", {}, {}};
  SeriesData rss{"rss_bytes", {}, {}};
  auto heap_at = [](double t) { return 4 * kMiB + 1.5 * kMiB * t; };  // 5.3 GiB/h
  for (double t = 0.5; t < 30; t += 0.5) live.t.push_back(t);
  for (double t = 32; t <= 60; t += 4) live.t.push_back(t);
  for (double t : live.t) live.v.push_back(heap_at(t));
  for (double t = 0.5; t <= 60; t += 0.5) {
    rss.t.push_back(t);
    rss.v.push_back(20 * kMiB);
  }
  auto d = run_with({rss, live});
  d.run["interval_s"] = 0.5;
  Judgement j = judge_run(d, {budget("heap=200MiB/h")}, AnalysisOptions{});
  const auto& b = j.budgets[0];
  EXPECT_EQ(b.series, "go_heap_live_bytes");
  EXPECT_EQ(b.verdict, Verdict::kFail) << b.reason;
  ASSERT_TRUE(j.series[1].trend);
  const Trend& tr = *j.series[1].trend;
  EXPECT_EQ(tr.block_s, 0);  // per point
  ASSERT_FALSE(tr.block_t.empty());
  EXPECT_EQ(tr.block_t.back(), 60);  // the late, sparse GCs are in the fit
  EXPECT_NEAR(tr.slope_per_h, 1.5 * kMiB * 3600, 1e-3 * kMiB);
}

TEST(JudgeRun, LevelBudgetFailsAtFirstBreach) {
  SeriesData s{"rss_bytes", {1, 2, 3, 4, 5}, {100, 300 * kMiB, 600 * kMiB, 700 * kMiB, 200}};
  auto d = run_with({s});
  Judgement j = judge_run(d, {budget("rss<=512MiB"), budget("rss<=1GiB")}, AnalysisOptions{});
  EXPECT_EQ(j.budgets[0].verdict, Verdict::kFail);
  EXPECT_EQ(j.budgets[0].kind, "level");
  EXPECT_DOUBLE_EQ(*j.budgets[0].observed, 700 * kMiB);
  EXPECT_DOUBLE_EQ(*j.budgets[0].at_s, 3);
  EXPECT_EQ(j.budgets[0].reason, "max 700 MiB exceeds limit 512 MiB (first at 3 s)");
  EXPECT_EQ(j.budgets[1].verdict, Verdict::kPass);
  EXPECT_EQ(j.budgets[1].reason, "max 700 MiB within limit 1 GiB");
  EXPECT_FALSE(j.series[0].trend);  // five samples: no trend
  EXPECT_EQ(j.series[0].count, 5u);
  EXPECT_DOUBLE_EQ(j.series[0].max, 700 * kMiB);
  EXPECT_DOUBLE_EQ(j.series[0].first, 100);
}

TEST(JudgeRun, PerRequestBudgetRegressesOnRequests) {
  // 100 requests/s; heap grows 1 KiB per request = 360000 KiB/h.
  SeriesData req{"requests", {}, {}}, heap{"heap_bytes", {}, {}};
  std::mt19937_64 rng(7);
  std::normal_distribution<double> z(0, 1);
  for (double t = 1; t <= 3600; t += 1) {
    req.t.push_back(t);
    req.v.push_back(100 * t);
    heap.t.push_back(t);
    heap.v.push_back(50 * kMiB + 1024 * 100 * t + 64 * 1024 * z(rng));
  }
  auto d = run_with({heap, req});
  Judgement j = judge_run(d, {budget("heap=512B/req"), budget("heap=2KiB/req")}, AnalysisOptions{});
  EXPECT_EQ(j.budgets[0].verdict, Verdict::kFail) << j.budgets[0].reason;
  EXPECT_EQ(j.budgets[0].per, "req");
  EXPECT_NEAR(*j.budgets[0].observed, 1024, 20);
  EXPECT_TRUE(j.budgets[0].reason.ends_with("exceeds budget 512 B/req")) << j.budgets[0].reason;
  EXPECT_EQ(j.budgets[1].verdict, Verdict::kPass) << j.budgets[1].reason;
}

TEST(JudgeRun, PerRequestBudgetWithoutRequestsIsInconclusive) {
  auto d = run_with({line_series("rss_bytes", 3600, 1, 0, 0.1 * kMiB, 8)});
  Judgement j = judge_run(d, {budget("rss=1KiB/req")}, AnalysisOptions{});
  EXPECT_EQ(j.budgets[0].verdict, Verdict::kInconclusive);
  EXPECT_NE(j.budgets[0].reason.find("requests series"), std::string::npos) << j.budgets[0].reason;
}

TEST(JudgeRun, CacheWarmupIsNotALeak) {
  // 200 MiB cache filling with a 5 min time constant, then flat, 2 h run.
  SeriesData s{"rss_bytes", {}, {}};
  std::mt19937_64 rng(9);
  std::normal_distribution<double> z(0, 1);
  for (double t = 1; t <= 7200; t += 1) {
    s.t.push_back(t);
    s.v.push_back(100 * kMiB + 200 * kMiB * (1 - std::exp(-t / 300)) + 0.3 * kMiB * z(rng));
  }
  auto d = run_with({s});
  Judgement j = judge_run(d, {budget("rss=2MiB/h")}, AnalysisOptions{});
  EXPECT_EQ(j.budgets[0].verdict, Verdict::kPass) << j.budgets[0].reason;
  EXPECT_GT(*j.warmup_s, 720);
}

TEST(JudgeRun, FixedWarmupIsUsed) {
  auto d = run_with({line_series("rss_bytes", 3600, 1, 0, 0.1 * kMiB, 10)});
  AnalysisOptions o;
  o.warmup_s = 300;
  Judgement j = judge_run(d, {budget("rss=2MiB/h")}, o);
  EXPECT_DOUBLE_EQ(*j.warmup_s, 300);
  EXPECT_NEAR(j.series[0].trend->warmup_end_s, 300, 1e-9);
}

TEST(JudgeRun, WarmupEndIsOnTheRunClockWhereverTheFirstSampleIs) {
  // One definition: a fixed warm-up ends at AnalysisOptions::warmup_s,
  // seconds since launch (the clock of every t in the run directory), not
  // that long after the first sample. Here the first sample comes at 60 s.
  SeriesData s{"rss_bytes", {}, {}};
  for (double t = 60; t <= 3600; t += 1) {
    s.t.push_back(t);
    s.v.push_back(100 * kMiB + std::fmod(t, 7) * 1024);
  }
  AnalysisOptions o;
  o.warmup_s = 400;
  Judgement j = judge_run(run_with({s}), {budget("rss=2MiB/h")}, o);
  ASSERT_TRUE(j.series[0].trend);
  EXPECT_DOUBLE_EQ(j.series[0].trend->warmup_end_s, 400);
  EXPECT_DOUBLE_EQ(*j.warmup_s, 400);
  // Auto: the summary's warm-up is where the fit starts, on the same clock.
  Judgement a = judge_run(run_with({s}), {budget("rss=2MiB/h")}, AnalysisOptions{});
  ASSERT_TRUE(a.series[0].trend && a.warmup_s);
  EXPECT_DOUBLE_EQ(*a.warmup_s, a.series[0].trend->warmup_end_s);
  EXPECT_GE(*a.warmup_s, 60 + 0.1 * (3600 - 60) - 1e-9);
}

TEST(JudgeRun, CountsUseTiesAndZeroBudget) {
  SeriesData flat{"threads", {}, {}}, leak{"goroutines", {}, {}};
  for (double t = 1; t <= 3600; t += 1) {
    flat.t.push_back(t);
    flat.v.push_back(8);
    leak.t.push_back(t);
    leak.v.push_back(10 + std::floor(t / 60));
  }
  auto d = run_with({flat, leak});
  Judgement j = judge_run(d, {budget("threads=0/h"), budget("goroutines=0/h")}, AnalysisOptions{});
  EXPECT_EQ(j.budgets[0].verdict, Verdict::kPass) << j.budgets[0].reason;
  EXPECT_EQ(j.budgets[0].reason, "slope 0/h [0, 0] within budget 0/h");
  EXPECT_EQ(j.budgets[1].verdict, Verdict::kFail) << j.budgets[1].reason;
  EXPECT_NEAR(*j.budgets[1].observed, 60, 1);
}

TEST(JudgeRun, EmptyDataJudgesEveryBudgetInconclusive) {
  RunData d;
  Judgement j = judge_run(d, {budget("rss=2MiB/h"), budget("rss<=1GiB")}, AnalysisOptions{});
  for (const auto& b : j.budgets) EXPECT_EQ(b.verdict, Verdict::kInconclusive);
}

}  // namespace
}  // namespace soak
