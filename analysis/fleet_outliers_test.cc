#include "analysis/fleet_outliers.h"

#include <gtest/gtest.h>

namespace soak::analysis {
namespace {

TEST(FleetOutliers, FlagsTheInstanceFarAboveTheMedian) {
  // Median 1.0, MAD 0.1 (scaled 0.14826); 5.0 sits 4 / 0.148 = 27 above.
  std::vector<InstanceSlope> s = {{"a", 1.0, 0}, {"b", 1.1, 0}, {"c", 0.9, 0}, {"d", 1.05, 0}, {"e", 5.0, 0}};
  auto o = find_slope_outliers(s);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].instance, "e");
  EXPECT_DOUBLE_EQ(o[0].fleet_median_per_h, 1.05);
  EXPECT_NEAR(o[0].fleet_mad_per_h, 0.05, 1e-12);
  EXPECT_NEAR(o[0].z, (5.0 - 1.05) / (1.4826 * 0.05), 1e-6);
}

TEST(FleetOutliers, TheInstancesOwnUncertaintyWidensTheScale) {
  // Same slopes, but e's fit is so noisy that 5.0 is no evidence.
  std::vector<InstanceSlope> s = {{"a", 1.0, 0}, {"b", 1.1, 0}, {"c", 0.9, 0}, {"d", 1.05, 0}, {"e", 5.0, 2.0}};
  EXPECT_TRUE(find_slope_outliers(s).empty());
}

TEST(FleetOutliers, OnlyTheUpperSideIsFlagged) {
  std::vector<InstanceSlope> s = {{"a", 1.0, 0}, {"b", 1.1, 0}, {"c", 0.9, 0}, {"d", 1.05, 0}, {"e", -5.0, 0}};
  EXPECT_TRUE(find_slope_outliers(s).empty());
}

TEST(FleetOutliers, IdenticalFlatSlopesMakeAnyGrowthAnOutlier) {
  // Two flat goroutine counts and one leak: MAD 0, exact fits.
  std::vector<InstanceSlope> s = {{"a", 0, 0}, {"b", 0, 0}, {"leak", 72000, 0}};
  auto o = find_slope_outliers(s);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].instance, "leak");
  EXPECT_EQ(o[0].z, kMaxOutlierZ);
}

TEST(FleetOutliers, NeedsThreeInstances) {
  std::vector<InstanceSlope> s = {{"a", 0, 0}, {"leak", 72000, 0}};
  EXPECT_TRUE(find_slope_outliers(s).empty());
}

TEST(FleetOutliers, RoundingIsNotGrowth) {
  std::vector<InstanceSlope> s = {{"a", 1e6, 0}, {"b", 1e6, 0}, {"c", 1e6 * (1 + 1e-12), 0}};
  EXPECT_TRUE(find_slope_outliers(s).empty());
}

TEST(FleetOutliers, StandardErrorFromATwoSidedInterval) {
  // 0.99 two-sided: z = 2.5758; half-width 2.5758 -> se 1.
  EXPECT_NEAR(se_from_interval(-2.5758293035489, 2.5758293035489, 0.99), 1.0, 1e-9);
  EXPECT_EQ(se_from_interval(1, 1, 0.99), 0);
}

}  // namespace
}  // namespace soak::analysis
