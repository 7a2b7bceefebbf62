#include "analysis/endurance.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "analysis/summarize.h"

namespace soak::analysis {
namespace {

using ::testing::HasSubstr;
constexpr double MiB = 1024.0 * 1024;
constexpr double GiB = 1024.0 * MiB;

TEST(TimeToLimit, HeadroomOverSlopeAndItsBounds) {
  // 1 GiB limit, level 256 MiB: 768 MiB of headroom at 16 MiB/h [12, 24].
  TimeToLimit t = time_to_limit(GiB, 256 * MiB, 16 * MiB, 12 * MiB, 24 * MiB);
  ASSERT_TRUE(t.estimate && t.low && t.high);
  EXPECT_DOUBLE_EQ(*t.estimate, 48 * 3600.0);
  EXPECT_DOUBLE_EQ(*t.low, 32 * 3600.0);   // at the upper slope bound: soonest
  EXPECT_DOUBLE_EQ(*t.high, 64 * 3600.0);  // at the lower bound: latest
  EXPECT_DOUBLE_EQ(t.limit, GiB);
  EXPECT_DOUBLE_EQ(t.level, 256 * MiB);
}

TEST(TimeToLimit, NonPositiveSlopesNeverGetThere) {
  TimeToLimit flat = time_to_limit(1000, 100, 0, -5, 5);
  EXPECT_FALSE(flat.estimate);
  ASSERT_TRUE(flat.low);
  EXPECT_DOUBLE_EQ(*flat.low, 900.0 / 5 * 3600);
  EXPECT_FALSE(flat.high);
  TimeToLimit falling = time_to_limit(1000, 100, -2, -3, -1);
  EXPECT_FALSE(falling.estimate || falling.low || falling.high);
}

TEST(TimeToLimit, AtOrOverTheLimitIsZero) {
  TimeToLimit t = time_to_limit(1000, 1200, 10, 5, 15);
  EXPECT_EQ(t.estimate, 0.0);
  EXPECT_EQ(t.low, 0.0);
  EXPECT_EQ(t.high, 0.0);
}

TEST(JudgeEndurance, FailPassInconclusive) {
  const double six_h = 6 * 3600.0;
  // Latest 4 h < 6 h: even the slowest growth gets there: fail.
  EXPECT_EQ(judge_endurance(six_h, time_to_limit(1000, 0, 500, 250, 1000), 1000, 0).verdict, Verdict::kFail);
  // Soonest 10 h >= 6 h: pass.
  auto pass = judge_endurance(six_h, time_to_limit(1000, 0, 50, 0, 100), 1000, 0);
  EXPECT_EQ(pass.verdict, Verdict::kPass);
  EXPECT_NEAR(pass.ceiling_per_h, 1000.0 / 6, 1e-9);
  // Soonest 2 h, latest 20 h: cannot tell.
  EXPECT_EQ(judge_endurance(six_h, time_to_limit(1000, 0, 100, 50, 500), 1000, 0).verdict, Verdict::kInconclusive);
  // Exactly at the ceiling on the upper bound passes (as slope budgets do).
  EXPECT_EQ(judge_endurance(six_h, time_to_limit(600, 0, 50, 0, 100), 600, 0).verdict, Verdict::kPass);
  // Already over the limit: fail whatever the slope.
  EXPECT_EQ(judge_endurance(six_h, time_to_limit(1000, 1001, -5, -10, 0), 1000, 1001).verdict, Verdict::kFail);
}

TEST(LimitFor, DesignOrder) {
  SeriesLimits l{.memory_bytes = 512 * MiB, .gomemlimit_bytes = 256 * MiB, .nofile = 1024};
  std::vector<std::tuple<std::string, double, std::string>> levels = {{"rss_bytes", GiB, "rss<=1GiB"}};
  EXPECT_EQ(limit_for("rss_bytes", levels, l)->source, "rss<=1GiB");
  EXPECT_DOUBLE_EQ(limit_for("rss_bytes", levels, l)->value, GiB);
  EXPECT_EQ(limit_for("rss_anon_bytes", levels, l)->source, "--memory-limit");
  EXPECT_EQ(limit_for("go_heap_live_bytes", levels, l)->source, "--memory-limit");
  EXPECT_EQ(limit_for("go_heap_live_bytes", {}, SeriesLimits{.gomemlimit_bytes = 256 * MiB})->source, "GOMEMLIMIT");
  EXPECT_FALSE(limit_for("heap_bytes", {}, SeriesLimits{.gomemlimit_bytes = 256 * MiB}));
  EXPECT_EQ(limit_for("fds", {}, l)->source, "RLIMIT_NOFILE");
  EXPECT_DOUBLE_EQ(limit_for("fds", {}, l)->value, 1024);
  EXPECT_FALSE(limit_for("goroutines", {}, l));
  EXPECT_FALSE(limit_for("sockets", {}, l));
}

TEST(LimitsJson, RoundTripAndMissing) {
  SeriesLimits l{.memory_bytes = 64 * MiB, .nofile = 256};
  nlohmann::json run = {{"limits", to_json(l)}};
  SeriesLimits back = limits_from_run_json(run);
  EXPECT_EQ(back.memory_bytes, 64 * MiB);
  EXPECT_FALSE(back.gomemlimit_bytes);
  EXPECT_EQ(back.nofile, 256);
  EXPECT_FALSE(limits_from_run_json(nlohmann::json::object()).memory_bytes);
  EXPECT_FALSE(limits_from_run_json(nlohmann::json{{"limits", {{"nofile", "x"}}}}).nofile);
}

TEST(FormatTimeTo, Units) {
  EXPECT_EQ(format_time_to(41 * 3600.0), "41 h");
  EXPECT_EQ(format_time_to(29.4 * 3600.0), "29 h");
  EXPECT_EQ(format_time_to(35 * 60.0), "35 min");
  EXPECT_EQ(format_time_to(4.5 * 3600.0), "4.5 h");
  EXPECT_EQ(format_time_to(12 * 86400.0), "12 d");
  EXPECT_EQ(format_time_to(30.0), "30 s");
  EXPECT_EQ(format_time_to(std::nullopt), "never");
}

TEST(DescribeTimeToLimit, TheSummaryLine) {
  TimeToLimit t = time_to_limit(GiB, 0, GiB / 41.0, GiB / 73.0, GiB / 29.0);
  t.limit_source = "--memory-limit";
  EXPECT_EQ(describe_time_to_limit("rss", "bytes", t), "rss reaches 1 GiB in 41 h [29 h, 73 h]");
  TimeToLimit never = time_to_limit(1024, 10, -1, -2, 0);
  never.limit_source = "RLIMIT_NOFILE";
  EXPECT_EQ(describe_time_to_limit("fds", "count", never), "fds does not grow towards 1024 (RLIMIT_NOFILE)");
  EXPECT_EQ(short_series_name("rss_bytes"), "rss");
  EXPECT_EQ(short_series_name("fds"), "fds");
}

// Through judge_run: a series rising 1 MiB/s with a 1 GiB level budget.
RunData rising(double per_s, double noise) {
  RunData d;
  d.run = {{"schema", "soak.run/v1"}, {"interval_s", 1.0}, {"limits", {{"memory_bytes", 2 * GiB}}}};
  SeriesData s{"rss_bytes", {}, {}};
  for (int i = 0; i < 600; ++i) {
    s.t.push_back(i);
    s.v.push_back(100 * MiB + per_s * i + ((i * 7919) % 13) * noise);
  }
  d.series.push_back(s);
  return d;
}

TEST(JudgeRunEndurance, FastLeakFailsAndGetsATimeToLimit) {
  RunData d = rising(1 * MiB, 1000);
  std::vector<Budget> budgets = {*parse_budget("rss>=6h")};
  Judgement j = judge_run(d, budgets, AnalysisOptions{});
  ASSERT_EQ(j.series.size(), 1u);
  ASSERT_TRUE(j.series[0].time_to_limit);
  const auto& t = *j.series[0].time_to_limit;
  EXPECT_EQ(t.limit_source, "--memory-limit");
  // Level at t=599 is ~699 MiB; 2 GiB - 699 MiB = 1349 MiB at 1 MiB/s. The
  // fitted level is the floor of the last blocks, a few seconds' growth lower.
  ASSERT_TRUE(t.estimate);
  EXPECT_NEAR(*t.estimate, 1349, 20);
  ASSERT_EQ(j.budgets.size(), 1u);
  EXPECT_EQ(j.budgets[0].kind, "endurance");
  EXPECT_EQ(j.budgets[0].verdict, Verdict::kFail) << j.budgets[0].reason;
  EXPECT_DOUBLE_EQ(j.budgets[0].limit, 6 * 3600.0);
  EXPECT_THAT(j.budgets[0].reason, HasSubstr("rss reaches 2 GiB in 23 min"));
  EXPECT_THAT(j.budgets[0].reason, HasSubstr("it must last 6 h"));
}

TEST(JudgeRunEndurance, FlatSeriesPassesAndLevelBudgetIsTheLimit) {
  RunData d = rising(0, 1000);
  std::vector<Budget> budgets = {*parse_budget("rss>=6h"), *parse_budget("rss<=1GiB")};
  Judgement j = judge_run(d, budgets, AnalysisOptions{});
  ASSERT_TRUE(j.series[0].time_to_limit);
  EXPECT_EQ(j.series[0].time_to_limit->limit_source, "rss<=1GiB");
  EXPECT_EQ(j.budgets[0].verdict, Verdict::kPass) << j.budgets[0].reason;
  EXPECT_THAT(j.budgets[0].reason, HasSubstr("lasts the 6 h required"));
}

TEST(JudgeRunEndurance, NoLimitRecordedIsInconclusive) {
  RunData d = rising(1 * MiB, 1000);
  d.run.erase("limits");
  Judgement j = judge_run(d, {*parse_budget("rss>=6h")}, AnalysisOptions{});
  EXPECT_FALSE(j.series[0].time_to_limit);
  EXPECT_EQ(j.budgets[0].verdict, Verdict::kInconclusive);
  EXPECT_THAT(j.budgets[0].reason, HasSubstr("no known limit for rss_bytes"));
}

}  // namespace
}  // namespace soak::analysis
