#include "analysis/history.h"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace soak::analysis {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

// Slopes of ordinary builds: 1 MiB/h with a few percent of build-to-build noise.
std::vector<HistoryPoint> ordinary(int n, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 0.04 * kMiB);
  std::vector<HistoryPoint> h;
  for (int i = 0; i < n; ++i) h.push_back({kMiB + noise(rng), 0.03 * kMiB, true});
  return h;
}

TEST(HistoryRegression, OrdinaryBuildsPassAndFourTimesTheSlopeFails) {
  RegressionOptions o;
  auto h = ordinary(8);
  // Each of the eight ordinary builds judged against the ones before it.
  for (size_t i = 0; i < h.size(); ++i) {
    auto r = judge_regression(std::span(h).first(i), h[i].slope, h[i].se, 8 * kMiB, o);
    EXPECT_EQ(r.judged, i >= 5) << i;
    EXPECT_FALSE(r.regressed) << i << " z=" << r.z;
  }
  auto bad = judge_regression(h, 4 * kMiB, 0.03 * kMiB, 8 * kMiB, o);
  EXPECT_TRUE(bad.judged);
  EXPECT_TRUE(bad.regressed);
  EXPECT_EQ(bad.n_baseline, 8u);
  EXPECT_NEAR(bad.median, kMiB, 0.05 * kMiB);
  EXPECT_GT(bad.z, o.z);
  EXPECT_NEAR(bad.rise, 3 * kMiB, 0.1 * kMiB);

  // The regressed build is recorded as not passing: the next ordinary build
  // is judged against the ordinary ones and passes.
  h.push_back({4 * kMiB, 0.03 * kMiB, false});
  auto next = judge_regression(h, 1.02 * kMiB, 0.03 * kMiB, 8 * kMiB, o);
  EXPECT_TRUE(next.judged);
  EXPECT_FALSE(next.regressed);
  EXPECT_NEAR(next.median, kMiB, 0.05 * kMiB);
}

TEST(HistoryRegression, TooLittleHistoryIsNotJudged) {
  auto h = ordinary(4);
  auto r = judge_regression(h, 10 * kMiB, 0.01 * kMiB, 20 * kMiB, RegressionOptions{});
  EXPECT_FALSE(r.judged);
  EXPECT_FALSE(r.regressed);
  EXPECT_EQ(r.n_baseline, 4u);
  // Failing builds do not count towards the baseline.
  h = ordinary(8);
  for (int i = 0; i < 4; ++i) h[i].passing = false;
  EXPECT_FALSE(judge_regression(h, 10 * kMiB, 0.01 * kMiB, 20 * kMiB, RegressionOptions{}).judged);
}

TEST(HistoryRegression, EffectFloorKeepsTinyButSignificantRisesFromFailing) {
  // Very quiet builds: a 20 % rise is many MADs away, but below the floor
  // of half the median.
  std::vector<HistoryPoint> h;
  for (int i = 0; i < 10; ++i) h.push_back({kMiB * (1 + 0.001 * (i % 3)), 0.0005 * kMiB, true});
  RegressionOptions o;
  auto r = judge_regression(h, 1.2 * kMiB, 0.0005 * kMiB, 8 * kMiB, o);
  EXPECT_GT(r.z, o.z);
  EXPECT_FALSE(r.regressed);
  EXPECT_DOUBLE_EQ(r.floor, 0.8 * kMiB);  // 10 % of the 8 MiB/h budget beats half the median
  auto big = judge_regression(h, 2.0 * kMiB, 0.0005 * kMiB, 8 * kMiB, o);
  EXPECT_TRUE(big.regressed);
}

TEST(HistoryRegression, TheRunsOwnStandardErrorWidensTheScale) {
  auto h = ordinary(10);
  RegressionOptions o;
  auto precise = judge_regression(h, 2.5 * kMiB, 0.01 * kMiB, 8 * kMiB, o);
  auto noisy = judge_regression(h, 2.5 * kMiB, 1.0 * kMiB, 8 * kMiB, o);
  EXPECT_TRUE(precise.regressed);
  EXPECT_FALSE(noisy.regressed);  // a short, noisy run cannot tell 2.5 from 1
  EXPECT_LT(noisy.z, precise.z);
}

TEST(HistoryRegression, ASlopeThatFellIsNotARegression) {
  auto h = ordinary(10);
  auto r = judge_regression(h, -3 * kMiB, 0.01 * kMiB, 8 * kMiB, RegressionOptions{});
  EXPECT_TRUE(r.judged);
  EXPECT_FALSE(r.regressed);
  EXPECT_LT(r.z, 0);
}

TEST(HistoryRegression, IdenticalBaselineWithNoErrorStillNeedsTheFloor) {
  std::vector<HistoryPoint> h(6, HistoryPoint{0, 0, true});  // goroutines: exactly flat builds
  auto small = judge_regression(h, 0.05, 0, 1.0, RegressionOptions{});
  EXPECT_TRUE(std::isinf(small.z));
  EXPECT_FALSE(small.regressed);  // 0.05/h is below 10 % of the 1/h budget
  EXPECT_TRUE(judge_regression(h, 0.5, 0, 1.0, RegressionOptions{}).regressed);
}

TEST(EDivisive, FindsAPersistentStepWhereItStarts) {
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0, 0.05);
  std::vector<double> x;
  for (int i = 0; i < 12; ++i) x.push_back(1 + noise(rng));
  for (int i = 0; i < 6; ++i) x.push_back(4 + noise(rng));
  auto cps = e_divisive(x, 0.001);
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(cps[0].index, 12u);
  EXPECT_NEAR(cps[0].mean_before, 1, 0.1);
  EXPECT_NEAR(cps[0].mean_after, 4, 0.1);
  EXPECT_LT(cps[0].p, 0.001);
}

TEST(EDivisive, FindsTwoStepsUpAndNothingInNoise) {
  std::mt19937 rng(11);
  std::normal_distribution<double> noise(0, 0.05);
  std::vector<double> x;
  for (int i = 0; i < 10; ++i) x.push_back(1 + noise(rng));
  for (int i = 0; i < 10; ++i) x.push_back(2 + noise(rng));
  for (int i = 0; i < 10; ++i) x.push_back(3 + noise(rng));
  auto cps = e_divisive(x, 0.001);
  ASSERT_EQ(cps.size(), 2u);
  EXPECT_EQ(cps[0].index, 10u);
  EXPECT_EQ(cps[1].index, 20u);

  int false_points = 0;
  for (unsigned seed = 0; seed < 50; ++seed) {
    std::mt19937 r2(seed);
    std::vector<double> flat;
    for (int i = 0; i < 30; ++i) flat.push_back(1 + noise(r2));
    false_points += static_cast<int>(e_divisive(flat, 0.001).size());
  }
  EXPECT_LE(false_points, 2);  // alpha 0.001 per split, a few splits tried per series
}

TEST(EDivisive, OneOutlierAtTheEndIsNotPersistent) {
  std::vector<double> x{1.0, 1.1, 0.9, 1.05, 0.95, 1.0, 4.0};
  EXPECT_TRUE(e_divisive(x, 0.001).empty());
  x.push_back(4.1);  // a second build at the new level confirms it
  auto cps = e_divisive(x, 0.001);
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(cps[0].index, 6u);
}

TEST(TTestP, KnownValuesAndEdgeCases) {
  std::vector<double> a{1, 2, 3, 4, 5}, b{6, 7, 8, 9, 10};
  // t = 5, df = 8: two-sided p = 0.00105 (R: t.test(1:5, 6:10, var.equal = TRUE))
  EXPECT_NEAR(t_test_p(a, b), 0.001053, 2e-5);
  EXPECT_DOUBLE_EQ(t_test_p(a, a), 1.0);
  std::vector<double> one{3};
  EXPECT_DOUBLE_EQ(t_test_p(a, one), 1.0);
  std::vector<double> c1{2, 2}, c2{3, 3};
  EXPECT_DOUBLE_EQ(t_test_p(c1, c2), 0.0);
}

}  // namespace
}  // namespace soak::analysis
