#include "analysis/early.h"

#include <gtest/gtest.h>

namespace soak {
namespace {

TEST(EarlyLook, PocockSpendingIncrements) {
  // alpha * ln(1 + (e-1) t) at t = k/12, alpha = 0.01 (python reference).
  EXPECT_NEAR(early_look_confidence(1, 12, 0.99), 0.9986617726649422, 1e-12);
  EXPECT_NEAR(early_look_confidence(2, 12, 0.99), 0.9988199042454798, 1e-12);
  EXPECT_NEAR(early_look_confidence(12, 12, 0.99), 0.9994588513584601, 1e-12);
}

TEST(EarlyLook, IncrementsSumToAlpha) {
  for (int K : {1, 5, 24}) {
    double spent = 0;
    for (int k = 1; k <= K; ++k) spent += 1 - early_look_confidence(k, K, 0.99);
    EXPECT_NEAR(spent, 0.01, 1e-12) << K;
  }
}

TEST(EarlyLook, BadArgumentsAreClamped) {
  EXPECT_NEAR(early_look_confidence(1, 0, 0.99), 0.99, 1e-12);
  EXPECT_LT(early_look_confidence(1, 10, 1.0), 1.0);  // never exactly 1
}

}  // namespace
}  // namespace soak
