#include "analysis/warmup.h"

#include <cmath>

#include <gtest/gtest.h>

namespace soak::analysis {
namespace {

TEST(Warmup, BrokenStickFindsTheKnee) {
  // Rises 2/unit until t = 30, then flat: the knee is exactly at 30.
  std::vector<double> t, v;
  for (int i = 0; i <= 100; ++i) {
    t.push_back(i);
    v.push_back(i < 30 ? 2.0 * i : 60.0);
  }
  KneeFit k = best_knee(t, v, 0, 100);
  ASSERT_TRUE(k.ok);
  EXPECT_DOUBLE_EQ(k.c, 30);
  EXPECT_NEAR(k.b1, 2, 1e-9);
  EXPECT_NEAR(k.b2, 0, 1e-9);
  EXPECT_NEAR(k.sse, 0, 1e-6);
  WarmupResult w = detect_warmup(t, v, 10, 60);
  EXPECT_DOUBLE_EQ(w.end_s, 30);
  EXPECT_TRUE(w.moved);
}

TEST(Warmup, StraightLineKeepsTheMinimum) {
  std::vector<double> t, v;
  for (int i = 0; i <= 100; ++i) {
    t.push_back(i);
    v.push_back(5 + 0.3 * i + ((i * 7919) % 13) * 0.01);
  }
  WarmupResult w = detect_warmup(t, v, 10, 60);
  EXPECT_DOUBLE_EQ(w.end_s, 10);
  EXPECT_FALSE(w.moved);
}

TEST(Warmup, TooFewPointsKeepsTheMinimum) {
  std::vector<double> t = {0, 1, 2}, v = {0, 5, 5};
  EXPECT_DOUBLE_EQ(detect_warmup(t, v, 1, 2).end_s, 1);
}

}  // namespace
}  // namespace soak::analysis
