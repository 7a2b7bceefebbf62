#include "harness/remote_watch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace soak {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

const TimePoint t0{std::chrono::hours(1000)};

TEST(RemoteWatchTest, NothingIsLostBeforeStartEvenAfterLongSilence) {
  RemoteWatch w(10s);
  EXPECT_FALSE(w.lost(t0 + 1h));
}

TEST(RemoteWatchTest, AnsweringSutIsNotLostAndSilenceBeyondTheAllowanceIs) {
  RemoteWatch w(10s);
  w.start(t0);
  for (int i = 1; i <= 30; ++i) {
    w.observe(t0 + i * 1s, {{"goroutines", 10, {}}});
    EXPECT_FALSE(w.lost(t0 + i * 1s + 500ms)) << i;
  }
  EXPECT_FALSE(w.lost(t0 + 40s));  // exactly the allowance after the last reading
  auto why = w.lost(t0 + 41s);
  ASSERT_TRUE(why);
  EXPECT_THAT(*why, HasSubstr("stopped answering: every probe sample failed for 11s"));
  // Lost stays lost, even if it answers again.
  w.observe(t0 + 42s, {{"goroutines", 10, {}}});
  EXPECT_TRUE(w.lost(t0 + 42s));
}

TEST(RemoteWatchTest, ASampleWithoutReadingsIsStillAnAnswer) {
  // The go probe skips samples to keep its duty cycle: a success, no readings.
  RemoteWatch w(5s);
  w.start(t0);
  for (int i = 1; i <= 10; ++i) w.observe(t0 + i * 1s, {});
  EXPECT_FALSE(w.lost(t0 + 10s));
  EXPECT_TRUE(w.lost(t0 + 16s));
}

TEST(RemoteWatchTest, ChangedProcessStartTimeIsARestart) {
  RemoteWatch w(60s);
  w.start(t0);
  w.observe(t0 + 1s, {{"prom:process_start_time_seconds", 1.7645e9, {}}});
  w.observe(t0 + 2s, {{"prom:process_start_time_seconds", 1.7645e9 + 1, {}}});  // btime jitter
  w.observe(t0 + 2s, {{"prom:process_start_time_seconds", 1.7645e9 - 1, {}}});
  EXPECT_FALSE(w.lost(t0 + 2s));
  w.observe(t0 + 3s, {{"prom:process_start_time_seconds", 1.7645e9 + 95, {}}});
  auto why = w.lost(t0 + 3s);
  ASSERT_TRUE(why);
  EXPECT_THAT(*why, HasSubstr("restarted"));
  EXPECT_THAT(*why, HasSubstr("process_start_time_seconds changed from 1764500000 to 1764500095"));
}

TEST(RemoteWatchTest, ACounterGoingBackIsARestartAndGrowthOrOtherSeriesAreNot) {
  RemoteWatch w(60s);
  w.start(t0);
  w.observe(t0 + 1s, {{"go_gc_cycles", 40, {}}, {"goroutines", 500, {}}});
  w.observe(t0 + 2s, {{"go_gc_cycles", 41, {}}, {"goroutines", 20, {}}});  // gauges may fall
  EXPECT_FALSE(w.lost(t0 + 2s));
  w.observe(t0 + 3s, {{"go_gc_cycles", 2, {}}});
  auto why = w.lost(t0 + 3s);
  ASSERT_TRUE(why);
  EXPECT_THAT(*why, HasSubstr("go_gc_cycles went back from 41 to 2"));
}

}  // namespace
}  // namespace soak
