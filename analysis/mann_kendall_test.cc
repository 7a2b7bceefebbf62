#include "analysis/mann_kendall.h"

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
