#include "analysis/theil_sen.h"

#include <cmath>

#include <gtest/gtest.h>

namespace soak::analysis {
namespace {

const std::vector<double> kX = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
const std::vector<double> kY = {2.1, 3.9, 6.2, 7.8, 10.1, 12.0, 13.8, 16.3, 18.0, 19.9};

TEST(TheilSen, MedianOfPairwiseSlopes) {
  // Reference values computed independently (python, statistics.median).
  LineFit f = theil_sen(kX, kY);
  EXPECT_NEAR(f.slope, 1.9875, 1e-12);
  EXPECT_NEAR(f.intercept, 0.09375, 1e-12);
  EXPECT_EQ(pairwise_slopes(kX, kY).size(), 45u);
}

TEST(TheilSen, ExactLineAndOutlierResistance) {
  std::vector<double> x = {0, 1, 2, 3, 4, 5, 6};
  std::vector<double> y = {1, 3, 5, 7, 9, 11, 13};
  EXPECT_NEAR(theil_sen(x, y).slope, 2.0, 1e-12);
  y[6] = 1000;  // one wild point of seven: Theil-Sen stays on the line
  EXPECT_NEAR(theil_sen(x, y).slope, 2.0, 1e-12);
  EXPECT_GT(ols(x, y).slope, 50);
}

TEST(TheilSen, SkipsPairsWithEqualX) {
  std::vector<double> x = {0, 0, 1};
  std::vector<double> y = {0, 5, 1};
  auto s = pairwise_slopes(x, y);
  ASSERT_EQ(s.size(), 2u);
}

TEST(TheilSen, SenIntervalAtRanks) {
  auto s = pairwise_slopes(kX, kY);
  // Var(S) for n = 10 without ties = 125; z = 1.96: ranks 11.54 and 34.46.
  Interval iv = sen_interval(s, 125.0, 1.959963984540054);
  EXPECT_NEAR(iv.low, 1.9423911373798788, 1e-12);
  EXPECT_NEAR(iv.high, 2.0445653175720726, 1e-12);
}

TEST(TheilSen, SenIntervalUnboundedWhenTooFewPairs) {
  std::vector<double> x = {0, 1, 2}, y = {0, 1, 2};
  auto s = pairwise_slopes(x, y);
  Interval iv = sen_interval(s, 3.667, 2.33);
  EXPECT_TRUE(std::isinf(iv.low));
  EXPECT_TRUE(std::isinf(iv.high));
}

TEST(Ols, SlopeInterceptAndSe) {
  OlsFit f = ols(kX, kY);
  EXPECT_NEAR(f.slope, 1.9957575757575758, 1e-12);
  EXPECT_NEAR(f.intercept, 0.033333333333333215, 1e-12);
  EXPECT_NEAR(f.se_slope, 0.01936550946505506, 1e-12);
}

}  // namespace
}  // namespace soak::analysis
