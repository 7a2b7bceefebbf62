#include "harness/early_looks.h"

#include <cmath>
#include <functional>
#include <random>

#include <gtest/gtest.h>

#include "analysis/early.h"

namespace soak {
namespace {

using namespace std::chrono_literals;

TEST(EarlyLooksTest, LongRunsLookTwentyTimesAtMostTheEndIncluded) {
  // Auto: the window is 90 % of 2 h = 6480 s; a look every 324 s.
  LookPlan p = plan_looks(2h, std::nullopt);
  EXPECT_DOUBLE_EQ(p.warmup_s, 720.0);
  EXPECT_DOUBLE_EQ(p.every_s, 324.0);
  EXPECT_EQ(p.planned, 20);
  EXPECT_DOUBLE_EQ(p.at_s(p.planned), 7200.0);  // the last look is the end
}

TEST(EarlyLooksTest, MidLengthRunsLookEveryMinuteAfterAFixedWarmup) {
  LookPlan p = plan_looks(10min, 60s);
  EXPECT_DOUBLE_EQ(p.warmup_s, 60.0);
  EXPECT_DOUBLE_EQ(p.every_s, 60.0);
  EXPECT_EQ(p.planned, 9);
  EXPECT_DOUBLE_EQ(p.at_s(1), 120.0);
  EXPECT_DOUBLE_EQ(p.at_s(9), 600.0);
}

TEST(EarlyLooksTest, NoLookBeforeAFixedWarmupLongerThanTheOldFirstLook) {
  // A 2-minute run with a 90 s warm-up: the old plan looked at 30 s, inside
  // the warm-up. Now every look is after it.
  LookPlan p = plan_looks(2min, 90s);
  EXPECT_DOUBLE_EQ(p.warmup_s, 90.0);
  EXPECT_EQ(p.planned, 4);
  EXPECT_DOUBLE_EQ(p.every_s, 7.5);
  for (int k = 1; k <= p.planned; ++k) EXPECT_GT(p.at_s(k), 90.0) << k;
  EXPECT_DOUBLE_EQ(p.at_s(p.planned), 120.0);
}

TEST(EarlyLooksTest, ShortRunsStillLookThreeTimesBeforeTheEnd) {
  LookPlan p = plan_looks(10s, std::nullopt);
  EXPECT_DOUBLE_EQ(p.warmup_s, 1.0);
  EXPECT_DOUBLE_EQ(p.every_s, 2.25);
  EXPECT_EQ(p.planned, 4);
  EXPECT_EQ(plan_looks(0s, std::nullopt).planned, 0);
  LookPlan all_warmup = plan_looks(10s, 10s);
  EXPECT_EQ(all_warmup.planned, 0);
  EXPECT_DOUBLE_EQ(all_warmup.warmup_s, 10.0);  // still where warm-up ends
}

TEST(EarlyLooksTest, LookOptionsKeepTheWarmupOfTheFinalJudgement) {
  LookPlan p = plan_looks(2min, 90s);
  // Fixed: ends at ready + --warmup, never auto on partial data.
  AnalysisOptions f = look_options(p, 1, 0.99, 90s, /*ready_s=*/2.0, /*first=*/0.1, /*now=*/99.6);
  ASSERT_TRUE(f.warmup_s);
  EXPECT_DOUBLE_EQ(*f.warmup_s, 92.0);
  EXPECT_DOUBLE_EQ(*f.end_s, 99.6);
  EXPECT_DOUBLE_EQ(f.confidence, early_look_confidence(1, 3, 0.995));  // looks 1..3 spend alpha/2
  // Auto: the analysis chooses, not before ready + 10 % of the run.
  LookPlan a = plan_looks(100s, std::nullopt);
  AnalysisOptions o = look_options(a, 1, 0.99, std::nullopt, 2.0, 0.0, 40.0);
  EXPECT_FALSE(o.warmup_s);
  EXPECT_DOUBLE_EQ(o.min_warmup_share, 12.0 / 40.0);
  // Late in the run the 10 % of the data so far is the larger floor.
  AnalysisOptions late = look_options(a, 3, 0.99, std::nullopt, 2.0, 0.0, 200.0);
  EXPECT_DOUBLE_EQ(late.min_warmup_share, 0.10);
}

RunData with_looks(const std::vector<double>& confidences) {
  RunData d;
  std::string text;
  int k = 0;
  for (double c : confidences)
    text += nlohmann::json{{"t", 10.0 * ++k}, {"event", "early_look"}, {"look", k}, {"confidence", c}}.dump() + "\n";
  EXPECT_TRUE(parse_events(text, "events.jsonl", d).ok());
  return d;
}

TEST(EarlyLooksTest, TheFinalJudgementSpendsWhatTheLooksLeft) {
  EXPECT_FALSE(final_look_fail_alpha(RunData{}, 0.99));  // no --fail-fast: fails take alpha
  // Every early look of a K = 4 plan done (as look_options levels them):
  // the end is look 4 and keeps alpha/2.
  LookPlan p = plan_looks(2min, 90s);
  ASSERT_EQ(p.planned, 4);
  std::vector<double> looks;
  for (int k = 1; k <= 3; ++k) looks.push_back(look_options(p, k, 0.99, 90s, 0, 0, p.at_s(k)).confidence);
  // 0.005 * ln(1 + (e-1) k/3): 0.0022642, then 0.0015528 and 0.0011831.
  EXPECT_NEAR(1 - looks[0], 0.0022641621263197, 1e-12);
  EXPECT_NEAR(1 - looks[2], 0.0011830874230493, 1e-12);
  auto final_alpha = final_look_fail_alpha(with_looks(looks), 0.99);
  ASSERT_TRUE(final_alpha);
  EXPECT_NEAR(*final_alpha, 0.005, 1e-12);
  double spent = *final_alpha;
  for (double c : looks) spent += 1 - c;
  EXPECT_NEAR(spent, 0.01, 1e-15);  // alpha in all, not 2 alpha
  // A run that ended after one look (the SUT exited) keeps the rest.
  auto after_one = final_look_fail_alpha(with_looks({looks[0]}), 0.99);
  ASSERT_TRUE(after_one);
  EXPECT_NEAR(*after_one, 0.01 - (1 - looks[0]), 1e-15);
  EXPECT_DOUBLE_EQ(alpha_left(0.99, 0.02), 1e-12);  // never a zero level
}

// One reading a second from `from` to `to` of f(t) plus a little seeded noise.
SeriesData series(std::string name, double from, double to, const std::function<double(double)>& f) {
  SeriesData s{std::move(name), {}, {}};
  std::mt19937_64 rng(11);
  std::normal_distribution<double> z(0, 1);
  for (double t = from; t <= to; t += 1) {
    s.t.push_back(t);
    s.v.push_back(f(t) + 1000 * z(rng));
  }
  return s;
}

TEST(EarlyLooksTest, AMemoryRampShorterThanFifteenMinutesNeverStopsARun) {
  // Five minutes after warm-up of a steady rise: a leak, or the ramp of a GC
  // cycle longer than the data. The look holds; the final judgement decides.
  auto ramp = [](double t) { return 1e8 + 1e4 * t; };
  std::string why;
  EXPECT_FALSE(early_stop_allowed(series("rss_bytes", 60, 360, ramp), 60, 360, &why));
  EXPECT_EQ(why, "only 300 s after warm-up");
  // Fifteen minutes of it, no reset: it stops.
  EXPECT_TRUE(early_stop_allowed(series("rss_bytes", 60, 960, ramp), 60, 960));
  // Counts have no GC cycle: a rising thread count stops after warm-up.
  EXPECT_TRUE(early_stop_allowed(series("threads", 60, 120, [](double t) { return std::floor(t / 2); }), 60, 120));
}

TEST(EarlyLooksTest, ASawtoothStopsARunOnlyOnceItsTroughsCanBeRead) {
  // A 50 MB sawtooth with a 400 s period: two resets in 20 minutes after
  // warm-up are too few to read its troughs; six in an hour are enough.
  auto saw = [](double t) { return 1e8 + 5e7 * std::fmod(t, 400.0) / 400.0; };
  std::string why;
  EXPECT_FALSE(early_stop_allowed(series("rss_bytes", 100, 1300, saw), 100, 1300, &why));
  EXPECT_EQ(why, "3 reset(s) of a cycle seen, too few to read its troughs");
  EXPECT_TRUE(early_stop_allowed(series("rss_bytes", 100, 2900, saw), 100, 2900));
}

TEST(EarlyLooksTest, AGrowthThatIsSlowingDownNeverStopsARun) {
  // A cache filling up: 100 MiB approached with a 10-minute time constant.
  // Twenty minutes after warm-up it still rises (a fail at this look), but
  // the later half rises at about a third of the earlier half's rate: it may be flat
  // by the end, so the look holds.
  std::vector<double> t, cache, leak;
  for (double s = 600; s <= 1800; s += 30) {
    t.push_back(s);
    cache.push_back(100.0 * (1 - std::exp(-s / 600)));
    leak.push_back(2.0 * s);
  }
  std::string why;
  EXPECT_TRUE(growth_slowing(t, cache, &why));
  EXPECT_EQ(why, "growth slowing (the later half rises at 36 % of the earlier half's rate)");
  // A steady leak's halves rise alike: the look stops it.
  EXPECT_FALSE(growth_slowing(t, leak));
  // Too few points to split (fewer than 3 per half): no opinion.
  EXPECT_FALSE(growth_slowing(std::span<const double>(t).first(5), std::span<const double>(cache).first(5)));
}

}  // namespace
}  // namespace soak
