// The final-regime judgement (DETECTION.md 7) on the shapes of issue 10:
// literal reasons and exact small-sample levels.
#include "analysis/regime.h"

#include <cmath>
#include <functional>
#include <random>

#include <gtest/gtest.h>

#include "analysis/series_trend.h"
#include "analysis/summarize.h"

namespace soak {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

Budget budget(std::string_view spec) {
  auto b = parse_budget(spec);
  EXPECT_TRUE(b.ok()) << spec;
  return *b;
}

// One sample every `dt` s up to `duration_s` of f(t) + iid noise (seeded).
SeriesData shape(std::string name, double duration_s, double dt, const std::function<double(double)>& f,
                 double sigma, unsigned seed) {
  SeriesData s{std::move(name), {}, {}};
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0, 1);
  for (double t = dt; t <= duration_s + 1e-9; t += dt) {
    s.t.push_back(t);
    s.v.push_back(f(t) + sigma * z(rng));
  }
  return s;
}

RunData run_with(std::vector<SeriesData> series, double interval_s = 1) {
  RunData d;
  d.run = {{"schema", "soak.run/v1"}, {"interval_s", interval_s}};
  d.series = std::move(series);
  return d;
}

const BudgetResult& only(const Judgement& j) { return j.budgets.at(0); }

// rss_bytes of f(t) every `dt` s for `duration_s` with iid noise, judged
// against 2 MiB/h at the defaults.
Judgement judge_rss(const std::function<double(double)>& f, double duration_s, double dt, double sigma, unsigned seed) {
  return judge_run(run_with({shape("rss_bytes", duration_s, dt, f, sigma, seed)}, dt), {budget("rss=2MiB/h")},
                   AnalysisOptions{});
}

// The trend analyze_series finds for such a series (t from dt to duration_s).
analysis::SeriesTrend trend_of(const SeriesData& s, double duration_s, double dt) {
  analysis::SeriesTrendOptions o;
  o.start_s = dt;
  o.end_s = duration_s;
  o.interval_s = dt;
  return analysis::analyze_series(s, SeriesKind::kBytes, "bytes", o);
}

TEST(Regime, StepThenFlatPassesOutright) {
  // One hour, flat at 100 MiB with a 30 MiB step at 20:00.
  auto f = [](double t) { return 100 * kMiB + (t >= 1200 ? 30 * kMiB : 0); };
  auto d = run_with({shape("rss_bytes", 3600, 1, f, 0.2 * kMiB, 1)});
  Judgement j = judge_run(d, {budget("rss=2MiB/h")}, AnalysisOptions{});
  const auto& b = only(j);
  EXPECT_EQ(b.verdict, Verdict::kPass) << b.reason;
  EXPECT_EQ(b.reason,
            "a one-off step of 30 MiB at 20:00, flat since: slope -72.6 KiB/h [-250, 78.5] within budget 2 MiB/h");
  // Judged from the second point after the step: longer than the last 1/2.
  EXPECT_EQ(j.series[0].trend->regime, "since the step");
  EXPECT_GT(j.series[0].trend->regime_start_s, 1200);
  EXPECT_LT(j.series[0].trend->regime_start_s, 1300);
}

TEST(Regime, StepInAShortRunIsJudgedSinceTheStep) {
  // Ten minutes read every 10 s: 30 s blocks, too few for tail windows, so
  // the whole window is the only one; a 20 MiB step at 3:20 inside it.
  auto f = [](double t) { return 100 * kMiB + (t >= 200 ? 20 * kMiB : 0); };
  Judgement j = judge_rss(f, 600, 10, 0.05 * kMiB, 7);
  const auto& b = only(j);
  EXPECT_EQ(j.series[0].trend->regime_windows, 1);
  EXPECT_EQ(j.series[0].trend->regime, "since the step");
  EXPECT_EQ(b.verdict, Verdict::kPass) << b.reason;
  EXPECT_EQ(b.reason, "a one-off step of 20 MiB at 3:25, flat since: slope 0.11 MiB/h [-1.15, 0.93] within budget 2 MiB/h");
}

TEST(Regime, CorrelatedBlocksOfTheJudgedWindowAreMerged) {
  // Ten minutes at 1 s of a flat floor under AR(1) noise (phi 0.99 per
  // second): 10 s blocks whose minima wander together. A 10-minute run has
  // too few blocks to double them all (the tail windows need 45); the
  // judged window's blocks are merged in pairs while the residuals of their
  // line stay correlated (lag-1 > 0.5).
  SeriesData s{"rss_bytes", {}, {}};
  std::mt19937_64 rng(3);
  std::normal_distribution<double> z(0, 1);
  double e = 0;
  for (int i = 1; i <= 600; ++i) {
    e = 0.99 * e + std::sqrt(1 - 0.99 * 0.99) * 0.3 * kMiB * z(rng);
    s.t.push_back(i);
    s.v.push_back(100 * kMiB + e);
  }
  analysis::SeriesTrendOptions o;
  o.start_s = 1;
  o.end_s = 600;
  o.interval_s = 1;
  analysis::SeriesTrend tr = analysis::analyze_series(s, SeriesKind::kBytes, "bytes", o);
  ASSERT_TRUE(tr.judgeable);
  EXPECT_EQ(tr.post.t.size(), 54);
  EXPECT_EQ(tr.judged_merges, 2);
  EXPECT_EQ(tr.judged_t.size(), 13);  // 54 / 4, the last two blocks in the last group
  // Each judged point is the lowest of its 2^k blocks, at that block's time.
  size_t group = size_t{1} << tr.judged_merges;
  for (size_t k = 0; k + 1 < tr.judged_t.size(); ++k) {
    auto first = tr.post.v.begin() + static_cast<long>(tr.regime.first + k * group);
    auto lo = std::min_element(first, first + static_cast<long>(group));
    EXPECT_EQ(tr.judged_v[k], *lo);
    EXPECT_EQ(tr.judged_t[k], tr.post.t[static_cast<size_t>(lo - tr.post.v.begin())]);
  }
  // Still undecided (ten minutes of wandering noise), but on 40 s blocks.
  Judgement j = judge_run(run_with({s}), {budget("rss=2MiB/h")}, AnalysisOptions{});
  EXPECT_EQ(only(j).reason, "inconclusive: this run could only detect slopes above 8.69 MiB/h; about 22 min would resolve 2 MiB/h");
}

TEST(Regime, LateOnsetFailsAndSaysGrowthIsNotLinear) {
  // Flat for 40 minutes of an hour, then +30 MiB/h (15x the budget).
  auto f = [](double t) { return 100 * kMiB + (t > 2400 ? 30 * kMiB * (t - 2400) / 3600 : 0); };
  auto d = run_with({shape("rss_bytes", 3600, 1, f, 0.5 * kMiB, 2)});
  Judgement j = judge_run(d, {budget("rss=2MiB/h")}, AnalysisOptions{});
  const auto& b = only(j);
  EXPECT_EQ(b.verdict, Verdict::kFail) << b.reason;
  EXPECT_EQ(b.reason,
            "growth is not linear: -120 KiB/h until 39:45, 29.2 MiB/h since: slope 29.8 MiB/h [27.2, 31.6] over the last 1/3 exceeds budget 2 MiB/h");
  EXPECT_EQ(j.series[0].trend->regime, "last 1/3");
  EXPECT_NEAR(*b.observed, 30 * kMiB, 3 * kMiB);
}

TEST(Regime, StepThenLeakFails) {
  // A 40 MiB step at 15:00, then 20 MiB/h. Auto warm-up takes the step as
  // its knee; with a fixed 5 min warm-up the windows find it.
  auto f = [](double t) { return 100 * kMiB + (t >= 900 ? 40 * kMiB + 20 * kMiB * (t - 900) / 3600 : 0); };
  auto d = run_with({shape("rss_bytes", 3600, 1, f, 0.2 * kMiB, 3)});
  Judgement j = judge_run(d, {budget("rss=2MiB/h")}, AnalysisOptions{});
  EXPECT_EQ(only(j).verdict, Verdict::kFail) << only(j).reason;
  EXPECT_NEAR(*only(j).observed, 20 * kMiB, 1 * kMiB);
  AnalysisOptions o;
  o.warmup_s = 300;  // seconds since launch (the warm-up ends at t = 300)
  j = judge_run(d, {budget("rss=2MiB/h")}, o);
  const auto& b = only(j);
  EXPECT_EQ(b.verdict, Verdict::kFail) << b.reason;
  EXPECT_EQ(b.reason,
            "a one-off step of 40 MiB at 14:59, then growth: slope 19.9 MiB/h [19.7, 20] exceeds budget 2 MiB/h");
}

TEST(Regime, GrowthThatStoppedDoesNotFail) {
  // 40 MiB/h for the first 25 minutes, flat for the last 35.
  auto f = [](double t) { return 100 * kMiB + 40 * kMiB * std::min(t, 1500.0) / 3600; };
  auto d = run_with({shape("rss_bytes", 3600, 1, f, 0.2 * kMiB, 4)});
  Judgement j = judge_run(d, {budget("rss=2MiB/h")}, AnalysisOptions{});
  EXPECT_EQ(only(j).verdict, Verdict::kPass) << only(j).reason;  // auto warm-up: a cache filling up
  AnalysisOptions o;
  o.warmup_s = 300;
  j = judge_run(d, {budget("rss=2MiB/h")}, o);
  const auto& b = only(j);
  EXPECT_NE(b.verdict, Verdict::kFail) << b.reason;
  EXPECT_EQ(b.reason,
            "growth slowed from 39.5 MiB/h to -91.2 KiB/h at 25:14: slope -125 KiB/h [-446, 136] over the last 1/2 within budget 2 MiB/h");
}

TEST(Regime, SevenRisingGoroutineReadingsFailAtOnePercent) {
  // A 40 s goroutine leak read every 2 s, 495 -> 3996: blocks of 6 s leave
  // 6 after warm-up; strictly rising, p = 1/720 at level 0.01.
  SeriesData g{"goroutines", {}, {}};
  for (int i = 1; i <= 20; ++i) {
    g.t.push_back(2.0 * i);
    g.v.push_back(std::round(495 + (3996 - 495) * (i - 1) / 19.0));
  }
  auto d = run_with({g}, 2);
  Judgement j = judge_run(d, {budget("goroutines=0/h")}, AnalysisOptions{});
  const auto& b = only(j);
  EXPECT_EQ(b.verdict, Verdict::kFail) << b.reason;
  EXPECT_NEAR(*b.alpha, 0.01, 1e-12);
  EXPECT_EQ(j.series[0].trend->regime_windows, 1);
  EXPECT_EQ(j.series[0].trend->n_blocks, 6);
}

TEST(Regime, FiveGcReadingsOfAFastHeapLeakFail) {
  // The live heap after each of 5 GCs in a 60 s run, 2 -> 43 MiB.
  SeriesData live{"go_heap_live_bytes", {9, 21, 33, 45, 57}, {2 * kMiB, 8 * kMiB, 17 * kMiB, 29 * kMiB, 43 * kMiB}};
  auto d = run_with({live});
  AnalysisOptions o;
  o.warmup_s = 0;
  Judgement j = judge_run(d, {budget("heap=5MiB/h")}, o);
  const auto& b = only(j);
  EXPECT_EQ(b.verdict, Verdict::kFail) << b.reason;
}

TEST(Regime, FourPointsCanNeverFailAndSaySo) {
  SeriesData live{"go_heap_live_bytes", {10, 20, 30, 40}, {2 * kMiB, 8 * kMiB, 17 * kMiB, 29 * kMiB}};
  auto d = run_with({live});
  AnalysisOptions o;
  o.warmup_s = 0;
  Judgement j = judge_run(d, {budget("heap=5MiB/h")}, o);
  EXPECT_EQ(only(j).verdict, Verdict::kInconclusive);
  // The pass bound (a t interval under 10 points) is finite, and above.
  EXPECT_EQ(only(j).reason,
            "inconclusive: slope 3.16 GiB/h, at most 5.49 GiB/h: not within budget 5 MiB/h, and 4 points after "
            "warm-up can never show a trend at level 0.01 (the exact test needs 5)");
}

TEST(Regime, HolmSplitsAlphaAcrossSlopeBudgets) {
  auto flat = shape("rss_bytes", 3600, 1, [](double) { return 100 * kMiB; }, 0.2 * kMiB, 5);
  auto leak = shape("threads", 3600, 1, [](double t) { return 10 + std::floor(t / 60); }, 0, 6);
  // Neither fails: both judged at 0.01 / 2.
  {
    Judgement j = judge_run(run_with({flat}), {budget("rss=2MiB/h"), budget("rss=4MiB/h")}, AnalysisOptions{});
    EXPECT_NEAR(*j.budgets[0].alpha, 0.005, 1e-12);
    EXPECT_NEAR(*j.budgets[1].alpha, 0.005, 1e-12);
  }
  // One fails at 0.005; the other is then judged at the full 0.01.
  {
    Judgement j = judge_run(run_with({flat, leak}), {budget("threads=0/h"), budget("rss=2MiB/h")}, AnalysisOptions{});
    EXPECT_EQ(j.budgets[0].verdict, Verdict::kFail);
    EXPECT_NEAR(*j.budgets[0].alpha, 0.005, 1e-12);
    EXPECT_NEAR(*j.budgets[1].alpha, 0.01, 1e-12);
  }
  // A level budget is not part of the family.
  {
    Judgement j = judge_run(run_with({flat}), {budget("rss=2MiB/h"), budget("rss<=1GiB")}, AnalysisOptions{});
    EXPECT_NEAR(*j.budgets[0].alpha, 0.01, 1e-12);
    EXPECT_FALSE(j.budgets[1].alpha);
  }
  // fail_alpha overrides the family level (the last look of --fail-fast).
  {
    AnalysisOptions o;
    o.fail_alpha = 0.004;
    Judgement j = judge_run(run_with({flat}), {budget("rss=2MiB/h")}, o);
    EXPECT_NEAR(*j.budgets[0].alpha, 0.004, 1e-12);
  }
}

TEST(Regime, BudgetRowAndSeriesTrendShowOneInterval) {
  auto d = run_with({shape("rss_bytes", 3600, 1, [](double t) { return 100 * kMiB + 6 * kMiB * t / 3600; },
                           0.3 * kMiB, 7)});
  Judgement j = judge_run(d, {budget("rss=2MiB/h")}, AnalysisOptions{});
  const auto& b = only(j);
  const Trend& t = *j.series[0].trend;
  EXPECT_DOUBLE_EQ(t.ci_low_per_h, *b.ci_low);
  EXPECT_DOUBLE_EQ(t.ci_high_per_h, *b.ci_high);
  EXPECT_DOUBLE_EQ(t.slope_per_h, *b.observed);
  EXPECT_NEAR(*t.budget_alpha, 0.01, 1e-12);
}

TEST(Regime, ChowTestSeesAKneeNotALine) {
  std::vector<double> t, line, knee;
  for (int i = 0; i < 60; ++i) {
    t.push_back(i);
    line.push_back(2.0 * i + (i % 3) * 0.1);
    knee.push_back(i < 40 ? 0.0 + (i % 3) * 0.1 : 3.0 * (i - 40) + (i % 3) * 0.1);
  }
  EXPECT_GT(analysis::chow_p(t, line, 40), 0.1);
  EXPECT_LT(analysis::chow_p(t, knee, 40), 1e-6);
  EXPECT_DOUBLE_EQ(analysis::chow_p(t, knee, 58), 1);  // one side under 3 points
}

TEST(Regime, ALeakStartingWithALateStepIsNotPassedAcrossIt) {
  // Flat, then a 20 MiB step at 25:00 of 30 minutes and 3 MiB/h (1.5x the
  // budget) after it. Five minutes since the step cannot show the slopes
  // differ, and one slope across the step would dilute the leak with the
  // flat 22 minutes before it (seeds 6 and 7 passed that way before the
  // since-step data had to cover 1/3 of the span). Never a pass.
  auto f = [](double t) { return 100 * kMiB + (t >= 1500 ? 20 * kMiB + 3 * kMiB * (t - 1500) / 3600 : 0); };
  for (unsigned seed = 1; seed <= 12; ++seed) {
    Judgement j = judge_rss(f, 1800, 2, 0.2 * kMiB, seed);
    EXPECT_NE(only(j).verdict, Verdict::kPass) << "seed " << seed << ": " << only(j).reason;
  }
}

TEST(Regime, ShiftTestSeesTwoSlopesNotOne) {
  // A level shift of 50 between points 30 and 31: the same slope on both
  // sides fits one slope and two levels; a flat start and a rising end do not.
  std::vector<double> t, same, two;
  for (int i = 0; i < 60; ++i) {
    t.push_back(i);
    same.push_back(2.0 * i + (i >= 30 ? 50 : 0) + (i % 3) * 0.1);
    two.push_back((i < 30 ? 0.0 : 50 + 3.0 * (i - 30)) + (i % 3) * 0.1);
  }
  EXPECT_GT(analysis::shift_slope_change_p(t, same, 30), 0.1);
  EXPECT_LT(analysis::shift_slope_change_p(t, two, 30), 1e-6);
  EXPECT_DOUBLE_EQ(analysis::shift_slope_change_p(t, two, 58), 1);  // one side under 3 points
}

TEST(Regime, ARampOfACycleAsLongAsTheRunCannotFail) {
  // Ten minutes at 5 s of a 25 MiB GC sawtooth whose cycle is 600 s: one
  // long ramp (150 MiB/h) and the drop at 9:50. A cycle this long leaves too
  // few troughs to tell it from a leak, so it is inconclusive (it failed).
  auto f = [](double t) { return 100 * kMiB + 25 * kMiB * std::fmod(t + 10, 600.0) / 600.0; };
  auto d = run_with({shape("rss_bytes", 600, 5, f, 0.1 * kMiB, 9)}, 5);
  Judgement j = judge_run(d, {budget("rss=2MiB/h")}, AnalysisOptions{});
  const auto& b = only(j);
  EXPECT_EQ(b.verdict, Verdict::kInconclusive) << b.reason;
  EXPECT_NE(b.reason.find("but the series dropped back 1 time (a GC or allocator cycle about as long as the run?)"),
            std::string::npos)
      << b.reason;
  EXPECT_EQ(j.series[0].trend->regime, "whole");  // no tail window: it would be one ramp
}

TEST(Regime, ChowTestSeesAStepBeforeTheSplit) {
  // Flat with a step of 30 at 25 % and a little noise, split at 50 %: the
  // earlier segment's line cannot fit the step, so its residuals must not
  // count as the noise the change is measured against.
  std::vector<double> t, v;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> z(0, 1);
  for (int i = 0; i < 240; ++i) {
    t.push_back(i);
    v.push_back((i >= 60 ? 30.0 : 0.0) + 0.2 * z(rng));
  }
  EXPECT_LT(analysis::chow_p(t, v, 120), 1e-6);
  // One line throughout with the same noise: no change.
  std::vector<double> line;
  for (int i = 0; i < 240; ++i) line.push_back(0.1 * i + 0.2 * z(rng));
  EXPECT_GT(analysis::chow_p(t, line, 120), 0.01);
}


TEST(Regime, AShortRunThatStoppedGrowingIsJudgedSinceTheSlowdown) {
  // Ten minutes read every 10 s (one window: too few points for tail
  // windows): 40 MiB/h until 5:00, flat after. The one-knee fit dates the
  // slowdown, the Chow test at the knee rejects one line, and the data since
  // the knee is judged, each bound at half the level (the window was chosen
  // by the data between two).
  auto f = [](double t) { return 100 * kMiB + std::min(t, 300.0) / 3600 * 40 * kMiB; };
  Judgement j = judge_rss(f, 600, 10, 0.05 * kMiB, 2);
  const auto& b = only(j);
  EXPECT_EQ(j.series[0].trend->regime_windows, 1);
  EXPECT_EQ(j.series[0].trend->regime, "since the slowdown");
  EXPECT_EQ(b.verdict, Verdict::kPass) << b.reason;
  EXPECT_EQ(b.reason, "growth slowed from 38.9 MiB/h to -72 KiB/h at 5:10: slope -0.07 MiB/h [-2.15, 1.4] since the slowdown within budget 2 MiB/h");
}

TEST(Regime, AfterASlowdownTheWholeWindowsBoundMayPass) {
  // 30 minutes: 1.5 MiB/h for the first 15, flat after. The last 1/2 alone
  // is too short to bound its slope under the budget; a slowing curve's
  // whole-window slope is a weighted mean of its local slopes, the steeper
  // start included, so its upper bound bounds the final regime's too.
  auto f = [](double t) { return 100 * kMiB + std::min(t, 900.0) / 3600 * 1.5 * kMiB; };
  Judgement j = judge_rss(f, 1800, 5, 0.3 * kMiB, 2);
  const auto& b = only(j);
  EXPECT_EQ(b.verdict, Verdict::kPass) << b.reason;
  EXPECT_EQ(b.reason, "growth slowed from 2.04 MiB/h to 228 KiB/h at 13:43: slope 0.86 MiB/h [0.042, 1.53] over the whole "
                      "window after warm-up, which bounds the final regime's once growth slows, within budget 2 MiB/h");
  // One series, one interval, one slope: the trend shows the model the
  // budget passed on (the whole window), and no run "would resolve" it.
  const Trend& tr = *j.series[0].trend;
  EXPECT_EQ(tr.regime, "whole");
  EXPECT_EQ(tr.slope_per_h, *b.observed);
  EXPECT_EQ(tr.ci_low_per_h, *b.ci_low);
  EXPECT_EQ(tr.ci_high_per_h, *b.ci_high);
  EXPECT_FALSE(b.needed_s.has_value());
  ASSERT_TRUE(b.mds.has_value());
  EXPECT_NEAR(tr.fit_y0 + tr.slope_per_h * (1800 - tr.fit_t0_s) / 3600, 100 * kMiB + 1.5 * kMiB * 900 / 3600, 0.3 * kMiB);
}

TEST(Regime, GrowthThatResumesIsNotPassedOnTheWholeWindow) {
  // 6 MiB/h for 15 minutes, flat, then 3 MiB/h (1.5x the budget) from
  // 40:00. The knee fit reads a slowdown and the whole window's upper bound
  // is within the budget, but the curve is not concave: it grows again. The
  // final window's own slope reads above the budget, so the whole window
  // may not pass it.
  auto f = [](double t) { return 100 * kMiB + (std::min(t, 900.0) * 6 + std::max(t - 2400, 0.0) * 3) / 3600 * kMiB; };
  const SeriesData s = shape("rss_bytes", 3600, 5, f, 0.3 * kMiB, 2);
  analysis::SeriesTrend tr = trend_of(s, 3600, 5);
  ASSERT_EQ(tr.alt, analysis::SeriesTrend::Alt::kWholeAfterSlowdown);
  auto rf = analysis::fit_regime(tr, 0.01, 0.01);
  EXPECT_LE(rf.alt_pass_fit->ci_one_sided.high, 2 * kMiB);
  EXPECT_GT(rf.fail_fit.slope, 2 * kMiB);
  Judgement j = judge_run(run_with({s}, 5), {budget("rss=2MiB/h")}, AnalysisOptions{});
  EXPECT_EQ(only(j).verdict, Verdict::kInconclusive) << only(j).reason;
}

TEST(Regime, ALateStepIsJudgedSinceIt) {
  // 30 minutes read every 2 s, flat with a 20 MiB step at 25:00, inside the
  // last window (the Chow tests take it for the later segment's noise).
  // Five minutes since the step are too short to judge one slope across it
  // (under 1/3 of the span): undecided, and said so.
  auto f = [](double t) { return 100 * kMiB + (t >= 1500 ? 20 * kMiB : 0); };
  Judgement j = judge_rss(f, 1800, 2, 0.5 * kMiB, 1);
  EXPECT_EQ(j.series[0].trend->regime, "since the step");
  EXPECT_EQ(only(j).verdict, Verdict::kInconclusive);
  EXPECT_EQ(only(j).reason, "inconclusive: a one-off step of 20 MiB at 24:59; judged since the step: this run could only "
                            "detect slopes above 18.6 MiB/h; about 44 min would resolve 2 MiB/h");
  // Four times the noise: the run that would resolve it adds time after the
  // step (the span since the step grows only by that), not a multiple of
  // the whole run: the last 1/2 judged through the step read "about 7 days".
  j = judge_rss(f, 1800, 2, 2 * kMiB, 2);
  EXPECT_EQ(only(j).verdict, Verdict::kInconclusive);
  EXPECT_EQ(j.series[0].trend->regime, "since the step");
  EXPECT_EQ(only(j).reason, "inconclusive: a one-off step of 21 MiB at 24:59; judged since the step: this run could only "
                            "detect slopes above 144 MiB/h; about 1.6 h would resolve 2 MiB/h");
}

TEST(Regime, OneSlopeFitsBothSidesOfAStep) {
  // A 20 MiB step at 18:20 of 30 minutes; the 11 minutes since the step
  // alone leave the slope undecided, one slope with a level shift over
  // both sides bounds it (the slopes do not differ).
  auto f = [](double t) { return 100 * kMiB + (t >= 1100 ? 20 * kMiB : 0); };
  const SeriesData s = shape("rss_bytes", 1800, 2, f, 0.2 * kMiB, 2);
  Judgement j = judge_run(run_with({s}, 2), {budget("rss=2MiB/h")}, AnalysisOptions{});
  EXPECT_EQ(only(j).verdict, Verdict::kPass) << only(j).reason;
  EXPECT_EQ(only(j).reason, "a one-off step of 20 MiB at 18:29, flat since: one slope on both sides of the step, 0.48 MiB/h [-0.19, 1.06], within budget 2 MiB/h");
  EXPECT_EQ(j.series[0].trend->regime, "across the step");
  EXPECT_EQ(j.series[0].trend->slope_per_h, *only(j).observed);
  // The points across the step: every post-warm-up block but the one right
  // after the jump, split at the jump.
  analysis::SeriesTrend tr = trend_of(s, 1800, 2);
  ASSERT_EQ(tr.alt, analysis::SeriesTrend::Alt::kAcrossStep);
  EXPECT_EQ(tr.alt_t.size(), tr.post.t.size() - 1);
  EXPECT_EQ(tr.alt_split, tr.regime.step_index);
  EXPECT_LT(tr.alt_t[tr.alt_split - 1], tr.regime.step_at_s);
  EXPECT_GT(tr.alt_t[tr.alt_split], tr.regime.step_at_s);
  EXPECT_EQ(tr.alt_t[tr.alt_split], tr.post.t[tr.alt_split + 1]);
  EXPECT_LT(tr.alt_v[tr.alt_split - 1], 110 * kMiB);
  EXPECT_GT(tr.alt_v[tr.alt_split], 110 * kMiB);
}

TEST(Regime, ALeakAfterAStepThatReadsAboveTheBudgetIsNotPassedAcrossIt) {
  // A step at 18:20, then 3 MiB/h (1.5x). The shift test does not see the
  // slopes differ and one slope across the step is within the budget, but
  // the data since the step reads above it by itself: no pass.
  auto f = [](double t) { return 100 * kMiB + (t >= 1100 ? 20 * kMiB + 3 * kMiB * (t - 1100) / 3600 : 0); };
  analysis::SeriesTrend tr = trend_of(shape("rss_bytes", 1800, 2, f, 0.5 * kMiB, 8), 1800, 2);
  ASSERT_EQ(tr.alt, analysis::SeriesTrend::Alt::kAcrossStep);
  auto rf = analysis::fit_regime(tr, 0.01, 0.01);
  EXPECT_LE(rf.alt_pass_fit->ci_one_sided.high, 2 * kMiB);
  EXPECT_GT(rf.fail_fit.slope, 2 * kMiB);
  Judgement j = judge_rss(f, 1800, 2, 0.5 * kMiB, 8);
  EXPECT_EQ(only(j).verdict, Verdict::kInconclusive) << only(j).reason;
}


}  // namespace
}  // namespace soak
