#include "harness/sampler.h"

#include <atomic>
#include <map>

#include <gtest/gtest.h>

#include "tests/testing/testing.h"

namespace soak {
namespace {

using namespace std::chrono_literals;

class FakeClock final : public Clock {
 public:
  TimePoint now() const override { return now_; }
  void advance(Duration d) { now_ += d; }
  void set(TimePoint t) { now_ = t; }

 private:
  TimePoint now_{std::chrono::hours(1000)};
};

TEST(SamplerTest, TwoHoursOfScheduleRunEachSourceAtItsOwnInterval) {
  FakeClock clock;
  std::map<std::string, int> calls;
  std::vector<double> rss_times;
  TimePoint origin = clock.now();
  Sampler s(
      clock,
      [&](TimePoint when, const std::vector<Reading>& rs) {
        for (const auto& r : rs)
          if (r.series == "rss_bytes") rss_times.push_back(std::chrono::duration<double>(when - origin).count());
      },
      nullptr);
  s.add("proc", 1s, [&]() -> Result<std::vector<Reading>> {
    ++calls["proc"];
    return std::vector<Reading>{{"rss_bytes", 1.0, {}}};
  });
  s.add("pss", 30s, [&]() -> Result<std::vector<Reading>> {
    ++calls["pss"];
    return std::vector<Reading>{};
  });
  s.set_origin(origin);
  // Drive the schedule like the thread does: jump to each due time.
  while (s.next_due() <= origin + 2h - 1ms) {
    clock.set(s.next_due());
    s.run_due(clock.now());
  }
  EXPECT_EQ(calls["proc"], 7200);
  EXPECT_EQ(calls["pss"], 240);
  ASSERT_EQ(rss_times.size(), 7200u);
  EXPECT_DOUBLE_EQ(rss_times[0], 0.0);
  EXPECT_DOUBLE_EQ(rss_times[3600], 3600.0);
}

TEST(SamplerTest, AnOverrunSkipsMissedTicksInsteadOfBursting) {
  FakeClock clock;
  int calls = 0;
  Sampler s(clock, nullptr, nullptr);
  TimePoint origin = clock.now();
  s.add("slow", 1s, [&]() -> Result<std::vector<Reading>> {
    ++calls;
    if (calls == 1) clock.advance(3500ms);  // the first sample took 3.5 s
    return std::vector<Reading>{};
  });
  s.set_origin(origin);
  s.run_due(clock.now());
  EXPECT_EQ(calls, 1);
  // Still on the grid: next at 4 s, not at 1 s, 2 s, 3 s in a burst.
  EXPECT_EQ(s.next_due(), origin + 4s);
  EXPECT_EQ(s.run_due(clock.now()), 0);
}

TEST(SamplerTest, RepeatedErrorsAreReportedOncePerPeriodWithACount) {
  FakeClock clock;
  std::vector<std::pair<std::string, int>> errors;
  Sampler s(clock, nullptr,
            [&](const std::string& src, const std::string& msg, int repeats) {
              errors.emplace_back(src + ": " + msg, repeats);
            },
            60s);
  int n = 0;
  s.add("go", 1s, [&]() -> Result<std::vector<Reading>> {
    ++n;
    if (n == 100) return make_error("other failure");
    return make_error("connection refused");
  });
  TimePoint origin = clock.now();
  s.set_origin(origin);
  for (int i = 0; i < 130; ++i) {
    clock.set(s.next_due());
    s.run_due(clock.now());
  }
  // t=0 first report; t=60 and t=120 with counts; t=99 a different message,
  // t=100 back to the first message (new, so reported).
  ASSERT_GE(errors.size(), 4u);
  EXPECT_EQ(errors[0].first, "go: connection refused");
  EXPECT_EQ(errors[0].second, 0);
  EXPECT_EQ(errors[1].first, "go: connection refused");
  EXPECT_EQ(errors[1].second, 59);
  EXPECT_EQ(errors[2].first, "go: other failure");
  EXPECT_LE(errors.size(), 5u);
}

TEST(SamplerTest, TheThreadSamplesAndRunsPostedTasksOnItself) {
  SteadyClock clock;
  std::atomic<int> samples{0};
  std::thread::id sampler_thread, task_thread;
  Sampler s(clock, [&](TimePoint, const std::vector<Reading>&) { ++samples; }, nullptr);
  s.add("fast", 10ms, [&]() -> Result<std::vector<Reading>> {
    sampler_thread = std::this_thread::get_id();
    return std::vector<Reading>{{"threads", 1, {}}};
  });
  s.set_origin(clock.now());
  s.start();
  ASSERT_TRUE(testing::wait_until([&] { return samples >= 3; }, 30));
  s.run_on_thread([&] { task_thread = std::this_thread::get_id(); });
  s.stop();
  EXPECT_EQ(task_thread, sampler_thread);
  EXPECT_NE(task_thread, std::this_thread::get_id());
  // After stop, tasks run on the caller.
  std::thread::id after;
  s.run_on_thread([&] { after = std::this_thread::get_id(); });
  EXPECT_EQ(after, std::this_thread::get_id());
}

}  // namespace
}  // namespace soak
