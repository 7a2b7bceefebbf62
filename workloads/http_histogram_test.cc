#include "workloads/http_histogram.h"

#include <gtest/gtest.h>

#include <random>

namespace soak {
namespace {

using std::chrono::nanoseconds;

TEST(LatencyHistogram, EmptyHasNoQuantiles) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_FALSE(h.quantile(0.5).has_value());
  EXPECT_FALSE(h.max().has_value());
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int v = 1; v <= 100; ++v) h.record(nanoseconds(v));
  EXPECT_EQ(h.quantile(0.5)->count(), 50);
  EXPECT_EQ(h.quantile(0.99)->count(), 99);
  EXPECT_EQ(h.quantile(1.0)->count(), 100);
  EXPECT_EQ(h.min()->count(), 1);
}

TEST(LatencyHistogram, RelativeErrorIsBoundedOverTheWholeRange) {
  // One value per histogram: the reported quantile is that value within 1/64.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    double exp10 = std::uniform_real_distribution<double>(2.5, 13.0)(rng);
    auto v = static_cast<int64_t>(std::pow(10.0, exp10));
    LatencyHistogram h;
    h.record(nanoseconds(v));
    h.record(nanoseconds(v + v / 1000));  // a second, distinct value in (nearly) the same bucket
    double got = static_cast<double>(h.quantile(0.5)->count());
    EXPECT_NEAR(got / static_cast<double>(v), 1.0, 1.0 / 64) << v;
  }
}

TEST(LatencyHistogram, PercentilesOfAUniformSpread) {
  LatencyHistogram h;
  for (int ms = 1; ms <= 1000; ++ms) h.record(std::chrono::milliseconds(ms));
  auto ms = [](nanoseconds d) { return static_cast<double>(d.count()) / 1e6; };
  EXPECT_NEAR(ms(*h.quantile(0.5)), 500, 500.0 / 64);
  EXPECT_NEAR(ms(*h.quantile(0.99)), 990, 990.0 / 64);
  EXPECT_NEAR(ms(*h.quantile(0.999)), 999, 999.0 / 64);
  EXPECT_EQ(ms(*h.max()), 1000);
}

TEST(LatencyHistogram, MergeAndResetKeepCounts) {
  LatencyHistogram a, b;
  for (int i = 0; i < 90; ++i) a.record(std::chrono::microseconds(100));
  for (int i = 0; i < 10; ++i) b.record(std::chrono::seconds(1));
  a.merge(b);
  EXPECT_EQ(a.count(), 100u);
  EXPECT_NEAR(static_cast<double>(a.quantile(0.95)->count()), 1e9, 1e9 / 64);
  EXPECT_NEAR(static_cast<double>(a.quantile(0.5)->count()), 1e5, 1e5 / 64);
  a.reset();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_FALSE(a.quantile(0.5).has_value());
}

TEST(LatencyHistogram, NegativeAndHugeValuesAreClamped) {
  LatencyHistogram h;
  h.record(nanoseconds(-5));
  h.record(std::chrono::hours(24 * 400));
  EXPECT_EQ(h.min()->count(), 0);
  EXPECT_EQ(*h.max(), std::chrono::hours(24 * 400));
  EXPECT_EQ(*h.quantile(1.0), std::chrono::hours(24 * 400));
}

}  // namespace
}  // namespace soak
