#include "analysis/mann_kendall.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace soak::analysis {
namespace {

TEST(MannKendall, SAndVarianceWithTies) {
  // Hand check: ties {1,1}, {2,2}, {3,3,3}, {5,5}:
  // Var = [10*9*25 - 3*(2*1*9) - 3*2*11] / 18 = (2250 - 54 - 66) / 18.
  MannKendall mk = mann_kendall(std::vector<double>{1, 2, 2, 3, 3, 3, 4, 1, 5, 5});
  EXPECT_DOUBLE_EQ(mk.s, 27);
  EXPECT_NEAR(mk.var_s, 118.33333333333333, 1e-9);
}

TEST(MannKendall, NoTies) {
  MannKendall mk = mann_kendall(std::vector<double>{2.1, 3.9, 6.2, 7.8, 10.1, 12.0, 13.8, 16.3, 18.0, 19.9});
  EXPECT_DOUBLE_EQ(mk.s, 45);
  EXPECT_DOUBLE_EQ(mk.var_s, 125);
}

TEST(HamedRao, KnownAutocorrelatedSeries) {
  // Significant rank autocorrelations at lags 1, 4, 5 (python reference).
  std::vector<double> e = {0.5, 1.1, 0.9, 1.6, 1.2, 0.4, -0.3, -0.8, -0.2, 0.3,
                           0.9, 1.4, 0.8, 0.1, -0.6, -1.2, -0.9, -0.1, 0.4, 0.2};
  EXPECT_NEAR(hamed_rao_factor(e), 1.399410140562249, 1e-9);
}

TEST(HamedRao, AlternatingSeriesIsNotAllowedBelowOne) {
  std::vector<double> e;
  for (int i = 0; i < 30; ++i) e.push_back(i % 2 ? 1.0 : -1.0);
  EXPECT_DOUBLE_EQ(hamed_rao_factor(e), 1.0);
}

}  // namespace
}  // namespace soak::analysis

namespace soak::analysis {
namespace {

TEST(ExactMannKendall, MahonianNumbers) {
  // T(4, k) = 1, 3, 5, 6, 5, 3, 1 over 4! = 24 orderings.
  auto p = mahonian_probabilities(4);
  ASSERT_EQ(p.size(), 7u);
  const double t4[] = {1, 3, 5, 6, 5, 3, 1};
  for (size_t k = 0; k < 7; ++k) EXPECT_NEAR(p[k] * 24, t4[k], 1e-12) << k;
  // T(7, 0..2) = 1, 6, 20.
  auto p7 = mahonian_probabilities(7);
  EXPECT_NEAR(p7[0] * 5040, 1, 1e-9);
  EXPECT_NEAR(p7[1] * 5040, 6, 1e-9);
  EXPECT_NEAR(p7[2] * 5040, 20, 1e-9);
  double sum = 0;
  for (double x : mahonian_probabilities(50)) sum += x;
  EXPECT_NEAR(sum, 1, 1e-12);
}

TEST(ExactMannKendall, PValues) {
  // Seven strictly rising values: S = 21, p = 1/7! = 1/5040.
  EXPECT_NEAR(mk_exact_p_upward(std::vector<double>{1, 2, 4, 8, 16, 32, 64}), 1.0 / 5040, 1e-15);
  // One inversion: S = 19, p = (1 + 6) / 5040.
  EXPECT_NEAR(mk_exact_p_upward(std::vector<double>{1, 2, 4, 3, 16, 32, 64}), 7.0 / 5040, 1e-15);
  // Five strictly rising: 1/120 < 0.01; with one inversion (1+4)/120.
  EXPECT_NEAR(mk_exact_p_upward(std::vector<double>{2, 5, 9, 20, 43}), 1.0 / 120, 1e-15);
  EXPECT_NEAR(mk_exact_p_upper(5, 8), 5.0 / 120, 1e-15);
  EXPECT_DOUBLE_EQ(mk_exact_p_upper(5, -10), 1.0);
  // Ties count against the trend: {1, 1, 2} has S = 1 (not 2): p = P(S >= 1) = 3/6.
  EXPECT_NEAR(mk_exact_p_upward(std::vector<double>{1, 1, 2}), 0.5, 1e-15);
  // n = 50, S = 300: 0.005785078211480188 (exact rational arithmetic in
  // Python); the normal approximation with continuity correction says 0.00619.
  EXPECT_NEAR(mk_exact_p_upper(50, 300), 0.005785078211480188, 1e-13);
}

TEST(ExactMannKendall, CriticalValues) {
  // n = 7, alpha = 0.01/3: P(S >= 19) = 7/5040 <= 0.00333 < P(S >= 17) = 27/5040.
  EXPECT_DOUBLE_EQ(mk_exact_critical(7, 0.01 / 3), 19);
  // n = 5 at 0.01: only S = 10 (p = 1/120); at 0.005 nothing: N + 2.
  EXPECT_DOUBLE_EQ(mk_exact_critical(5, 0.01), 10);
  EXPECT_DOUBLE_EQ(mk_exact_critical(5, 0.005), 12);
}

}  // namespace
}  // namespace soak::analysis
