#include "analysis/stats.h"

#include <gtest/gtest.h>

namespace soak::analysis {
namespace {

TEST(Stats, MedianAndQuantileMatchType7) {
  std::vector<double> v = {3, 1, 4, 1, 5, 9, 2, 6};
  EXPECT_DOUBLE_EQ(median(v), 3.5);
  EXPECT_DOUBLE_EQ(quantile(v, 0.1), 1.0);
  EXPECT_DOUBLE_EQ(quantile(v, 1.0), 9.0);
  EXPECT_DOUBLE_EQ(quantile(std::vector<double>{}, 0.5), 0.0);
}

TEST(Stats, MidRanksForTies) {
  auto r = ranks(std::vector<double>{3, 1, 4, 1, 5});
  EXPECT_EQ(r, (std::vector<double>{3.0, 1.5, 4.0, 1.5, 5.0}));
}

TEST(Stats, Lag1Autocorrelation) {
  std::vector<double> e = {0.5, 1.1, 0.9, 1.6, 1.2, 0.4, -0.3, -0.8, -0.2, 0.3,
                           0.9, 1.4, 0.8, 0.1, -0.6, -1.2, -0.9, -0.1, 0.4, 0.2};
  EXPECT_NEAR(autocorrelation(e, 1), 0.730231825626811, 1e-12);
  EXPECT_DOUBLE_EQ(autocorrelation(std::vector<double>{2, 2, 2}, 1), 0.0);
}

TEST(Stats, NormalQuantile) {
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-12);
  EXPECT_NEAR(normal_cdf(1.959963984540054), 0.975, 1e-12);
}

}  // namespace
}  // namespace soak::analysis
