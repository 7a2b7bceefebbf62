#include "harness/early_looks.h"

#include <gtest/gtest.h>

namespace soak {
namespace {

using namespace std::chrono_literals;

TEST(EarlyLooksTest, LongRunsLookTwentyTimesAtMost) {
  LookPlan p = plan_looks(2h);
  EXPECT_DOUBLE_EQ(p.every_s, 360.0);
  EXPECT_EQ(p.planned, 19);
}

TEST(EarlyLooksTest, MidLengthRunsLookEveryMinute) {
  LookPlan p = plan_looks(10min);
  EXPECT_DOUBLE_EQ(p.every_s, 60.0);
  EXPECT_EQ(p.planned, 9);
}

TEST(EarlyLooksTest, ShortRunsStillLookThreeTimesBeforeTheEnd) {
  LookPlan p = plan_looks(8s);
  EXPECT_DOUBLE_EQ(p.every_s, 2.0);
  EXPECT_EQ(p.planned, 3);
  EXPECT_EQ(plan_looks(0s).planned, 0);
}

}  // namespace
}  // namespace soak
