#include "reports/downsample.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace soak {
namespace {

TEST(DownsampleMinMax, ShortInputComesBackUnchanged) {
  std::vector<double> t = {0, 1, 2, 3}, v = {5, 6, 7, 8};
  Downsampled d = downsample_minmax(t, v, 10);
  EXPECT_FALSE(d.reduced);
  EXPECT_EQ(d.t, t);
  EXPECT_EQ(d.v, v);
}

TEST(DownsampleMinMax, KeepsASingleSpikeAndDipOfALongRun) {
  std::vector<double> t, v;
  for (int i = 0; i < 86400; ++i) {
    t.push_back(i);
    v.push_back(100 + (i % 7));
  }
  v[40000] = 1e6;  // spike
  v[70001] = -5;   // dip
  Downsampled d = downsample_minmax(t, v, 1000);
  EXPECT_TRUE(d.reduced);
  EXPECT_LE(d.t.size(), 2000u);
  EXPECT_EQ(*std::max_element(d.v.begin(), d.v.end()), 1e6);
  EXPECT_EQ(*std::min_element(d.v.begin(), d.v.end()), -5);
  EXPECT_TRUE(std::is_sorted(d.t.begin(), d.t.end()));
  EXPECT_EQ(d.t.front(), 0);
  // Every kept point is a real sample.
  for (size_t i = 0; i < d.t.size(); ++i) EXPECT_EQ(d.v[i], v[static_cast<size_t>(d.t[i])]);
}

TEST(DownsampleMinMax, SkipsGapsWithoutInventingPoints) {
  std::vector<double> t, v;
  for (int i = 0; i < 3000; ++i) {
    t.push_back(i < 1500 ? i : i + 100000);  // a long gap in the middle
    v.push_back(i);
  }
  Downsampled d = downsample_minmax(t, v, 100);
  EXPECT_TRUE(d.reduced);
  EXPECT_EQ(d.t.back(), t.back());
  EXPECT_EQ(d.v.back(), v.back());
  for (size_t i = 0; i + 1 < d.t.size(); ++i) EXPECT_LT(d.t[i], d.t[i + 1]);
}

}  // namespace
}  // namespace soak
