#include "reports/format.h"

#include <gtest/gtest.h>

namespace soak {
namespace {

BudgetResult slope(std::string series, double limit, std::string per) {
  BudgetResult b;
  b.series = std::move(series);
  b.kind = "slope";
  b.limit = limit;
  b.per = std::move(per);
  return b;
}

TEST(FormatBudget, UsesTheSeriesUnitAndTheBudgetsPer) {
  EXPECT_EQ(format_budget_value(slope("rss_bytes", 2 * 1048576.0, "h"), 2 * 1048576.0), "2.00 MiB/h");
  EXPECT_EQ(format_budget_value(slope("heap_bytes", 512, "req"), 512), "512 B/req");
  EXPECT_EQ(format_budget_value(slope("goroutines", 0, "h"), 3), "3/h");
  EXPECT_EQ(format_budget_value(slope("latency_p99_ms", 1, "m"), 1.5), "1.5 ms/m");
  BudgetResult level;
  level.series = "rss_bytes";
  level.kind = "level";
  EXPECT_EQ(format_budget_value(level, 512 * 1048576.0), "512 MiB");
}

TEST(FormatBudget, ObservedShowsIntervalOrUnknown) {
  BudgetResult b = slope("threads", 0, "h");
  EXPECT_EQ(format_observed(b), "unknown");  // no data is not zero
  b.observed = 2;
  EXPECT_EQ(format_observed(b), "2/h");
  b.ci_low = 1;
  b.ci_high = 3;
  EXPECT_EQ(format_observed(b), "2/h [1/h, 3/h]");
}

TEST(FormatBudget, LimitPerHourConvertsTimeUnitsOnly) {
  EXPECT_DOUBLE_EQ(*limit_per_hour(slope("fds", 1, "s")), 3600);
  EXPECT_DOUBLE_EQ(*limit_per_hour(slope("fds", 1, "m")), 60);
  EXPECT_DOUBLE_EQ(*limit_per_hour(slope("fds", 1, "h")), 1);
  EXPECT_DOUBLE_EQ(*limit_per_hour(slope("fds", 48, "d")), 2);
  EXPECT_FALSE(limit_per_hour(slope("fds", 1, "req")));
  BudgetResult level;
  level.kind = "level";
  EXPECT_FALSE(limit_per_hour(level));
}

TEST(PlottedSeries, BudgetedFirstThenKeySeriesPresent) {
  Summary s;
  BudgetResult b = slope("prom:cache_entries", 0, "h");
  s.budgets = {b};
  RunData d;
  d.series = {{"threads", {0}, {1}}, {"cpu_seconds", {0}, {1}}, {"rss_bytes", {0}, {1}},
              {"prom:cache_entries", {0}, {1}}};
  EXPECT_EQ(plotted_series(s, d),
            (std::vector<std::string>{"prom:cache_entries", "rss_bytes", "threads"}));
}

TEST(SutFailure, ExplainsEachWayTheSutCanFail) {
  Summary s;
  RunData d;
  EXPECT_EQ(sut_failure(s, d), "");
  s.exit = SutExit{42, std::nullopt, false};
  EXPECT_EQ(sut_failure(s, d), "the SUT exited with code 42 during the run");
  s.exit.reset();
  d.events.push_back({3.5, "ready_timeout", {{"message", "no answer on tcp:127.0.0.1:1"}}});
  EXPECT_EQ(sut_failure(s, d), "never became ready: no answer on tcp:127.0.0.1:1");
  d.events = {{7200, "sut_exited", {{"signal", "SIGKILL"}, {"oom_killed", true}}}};
  EXPECT_EQ(sut_failure(s, d), "the SUT was killed by the kernel OOM killer during the run (at 2h)");
  d.events = {{95, "sut_lost", {{"message", "the SUT stopped answering: no probe reading for 1m1s"}}}};
  EXPECT_EQ(sut_failure(s, d), "lost during the run (at 1m35s): the SUT stopped answering: no probe reading for 1m1s");
}

TEST(FormatSeconds, ShortAndLong) {
  EXPECT_EQ(format_seconds(12.34), "12.3s");
  EXPECT_EQ(format_seconds(5400), "1h30m");
  EXPECT_EQ(format_seconds(-1), "unknown");
}

}  // namespace
}  // namespace soak
