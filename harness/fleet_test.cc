#include "harness/fleet.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace soak {
namespace {

using ::testing::HasSubstr;

TEST(FleetSelector, AcceptsMatchersWithOrWithoutBraces) {
  EXPECT_EQ(*parse_fleet_selector("{job=\"api\"}"), "job=\"api\"");
  EXPECT_EQ(*parse_fleet_selector(" job = \"api\" , env!~'dev|test' ,pod=~`api-.*` "),
            "job=\"api\",env!~'dev|test',pod=~`api-.*`");
  EXPECT_EQ(*parse_fleet_selector("{a=\"x\\\"y,z\"}"), "a=\"x\\\"y,z\"");  // escaped quote and a comma inside
  EXPECT_EQ(*parse_fleet_selector("{}"), "");
}

TEST(FleetSelector, ErrorsNameTheTextAndTheReason) {
  auto msg = [](std::string_view t) { return parse_fleet_selector(t).message(); };
  EXPECT_THAT(msg("{job=api}"), HasSubstr("--select \"{job=api}\": the value of \"job\" must be quoted"));
  EXPECT_THAT(msg("{job=\"api\""), HasSubstr("no closing }"));
  EXPECT_THAT(msg("up{job=\"api\"}"), HasSubstr("a metric name before { is not allowed"));
  EXPECT_THAT(msg("{job==\"api\"}"), HasSubstr("the value of \"job\" must be quoted"));
  EXPECT_THAT(msg("{job=\"api\" env=\"x\"}"), HasSubstr("expected , between matchers"));
  EXPECT_THAT(msg("{job=\"api}"), HasSubstr("unterminated value of \"job\""));
  EXPECT_THAT(msg("{=\"api\"}"), HasSubstr("expected a label name"));
  EXPECT_THAT(msg("{job:x=\"a\"}"), HasSubstr("expected =, !=, =~ or !~ after \"job\""));
}

FleetConfig config(std::vector<std::string> budgets) {
  FleetConfig c;
  c.select = "{job=\"api\"}";
  c.matchers = "job=\"api\"";
  for (const auto& s : budgets) c.budgets.push_back(*parse_budget(s));
  return c;
}

TEST(FleetConfig, BudgetsMustNameSeriesAFleetHas) {
  EXPECT_TRUE(validate_fleet_config(config({"goroutines=0/h", "rss=2MiB/h", "heap=1MiB/h", "fds<=100",
                                            "threads=0/h", "prom:http_requests_in_flight{code=\"200\"}=0/h"})));
  EXPECT_THAT(validate_fleet_config(config({"sockets=0/h"})).message(),
              HasSubstr("--budget \"sockets=0/h\": "));
  EXPECT_THAT(validate_fleet_config(config({"sockets=0/h"})).message(),
              HasSubstr("soak fleet reads fds, go_heap_alloc_bytes, goroutines, rss_bytes, threads"));
  EXPECT_THAT(validate_fleet_config(config({"heap=1KiB/req"})).message(), HasSubstr("per-request budget"));
  EXPECT_THAT(validate_fleet_config(config({"prom:9x=1/h"})).message(), HasSubstr("not a Prometheus metric name"));
  EXPECT_THAT(validate_fleet_config(config({"prom:x{a=b}=1/h"})).message(), HasSubstr("bad label matchers"));
}

TEST(FleetQueries, ClientGolangDefaultsThenPromBudgetsSharingAQuery) {
  auto q = fleet_queries(config({"prom:go_goroutines=0/h", "prom:http_inflight{code=\"200\"}=0/h"}));
  ASSERT_EQ(q.size(), 7u);
  EXPECT_EQ(q[0].query, "go_goroutines{job=\"api\"}");
  EXPECT_EQ(q[0].names, (std::vector<std::string>{"goroutines", "prom:go_goroutines"}));
  EXPECT_EQ(q[5].query, "http_inflight{code=\"200\",job=\"api\"}");
  EXPECT_EQ(q[5].names, (std::vector<std::string>{"prom:http_inflight{code=\"200\"}"}));
  EXPECT_EQ(q[6].query, "process_start_time_seconds{job=\"api\"}");
}

TEST(FleetRestart, AnInstanceIsJudgedFromItsLastRestartOn) {
  FleetInstanceData inst;
  inst.data.series.push_back({"rss_bytes", {0, 1, 2, 3, 4, 5}, {9, 10, 11, 2, 3, 4}});
  // btime jitter of 1 s at t=1 is no restart; the jump at t=3 is.
  inst.data.series.push_back({"process_start_time_seconds", {0, 1, 2, 3, 4, 5}, {500, 501, 500, 603, 603, 603}});
  auto cut = cut_at_last_restart(inst);
  ASSERT_TRUE(cut);
  EXPECT_EQ(*cut, 3);
  ASSERT_EQ(inst.data.series.size(), 1u);  // the start time is never judged
  EXPECT_EQ(inst.data.series[0].t, (std::vector<double>{3, 4, 5}));
  EXPECT_EQ(inst.data.series[0].v, (std::vector<double>{2, 3, 4}));
  EXPECT_EQ(inst.data.sample_lines, 3u);

  FleetInstanceData steady;
  steady.data.series.push_back({"rss_bytes", {0, 1}, {9, 10}});
  steady.data.series.push_back({"process_start_time_seconds", {0, 1}, {500, 501}});
  EXPECT_FALSE(cut_at_last_restart(steady));
  ASSERT_EQ(steady.data.series.size(), 1u);
  EXPECT_EQ(steady.data.series[0].t.size(), 2u);
}

PromRangeSeries series(const std::string& instance, double start, int n, double v0, double per_s) {
  PromRangeSeries s;
  s.labels = {{"__name__", "go_goroutines"}, {"instance", instance}, {"job", "api"}};
  for (int i = 0; i < n; ++i) {
    s.t.push_back(start + i);
    s.v.push_back(v0 + per_s * i);
  }
  return s;
}

TEST(FleetGroup, OneInstancePerLabelValueWithTimesFromTheWindowStart) {
  FleetQuery q{"go_goroutines{job=\"api\"}", {"goroutines"}};
  PromMatrix m;
  m.series.push_back(series("b:1", 1000, 5, 10, 0));
  m.series.push_back(series("a:1", 1002, 3, 10, 0));
  PromRangeSeries nolabel = series("x", 1000, 2, 1, 0);
  nolabel.labels.erase("instance");
  m.series.push_back(nolabel);
  std::vector<std::string> warnings;
  auto g = group_fleet({{q, m}}, "instance", 1000, 1, warnings);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].name, "a:1");
  EXPECT_EQ(g[0].labels, (std::map<std::string, std::string>{{"instance", "a:1"}, {"job", "api"}}));
  ASSERT_EQ(g[0].data.series.size(), 1u);
  EXPECT_EQ(g[0].data.series[0].name, "goroutines");
  EXPECT_EQ(g[0].data.series[0].t, (std::vector<double>{2, 3, 4}));
  EXPECT_EQ(g[0].data.sample_lines, 3u);
  EXPECT_EQ(g[0].data.interval_s(), 1);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("1 series of go_goroutines{job=\"api\"} have no label \"instance\""));
}

TEST(FleetSilence, AnInstanceWhoseDataStopsEarlyIsNamed) {
  FleetInstanceData up, gone;
  up.name = "up:1";
  up.data.series.push_back({"goroutines", {0, 50, 98}, {1, 1, 1}});
  gone.name = "gone:1";
  gone.data.series.push_back({"goroutines", {0, 50, 60}, {1, 1, 1}});
  FleetSource src;
  src.start_unix = 1796112000;  // 2026-12-01T08:00:00Z
  src.end_unix = src.start_unix + 100;
  auto w = silence_warnings({up, gone}, src, 3);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], "instance=\"gone:1\" has no samples in the last 40.0s of the window: it stopped reporting at "
                  "2026-12-01T08:01:00Z");
}

TEST(FleetJudge, TheLeakingInstanceFailsAndIsTheOutlier) {
  FleetQuery q{"go_goroutines{job=\"api\"}", {"goroutines"}};
  PromMatrix m;
  for (const char* name : {"a:1", "b:1", "c:1"}) m.series.push_back(series(name, 0, 600, 20, 0));
  m.series.push_back(series("leak:1", 0, 600, 20, 0.5));  // 1800 goroutines/h
  std::vector<std::string> warnings;
  auto g = group_fleet({{q, m}}, "instance", 0, 1, warnings);
  FleetSource src;
  src.start_unix = 0;
  src.end_unix = 599;
  src.step_s = 1;
  src.by = "instance";
  FleetSummary s = judge_fleet(g, config({"goroutines=0/h"}), src, warnings);
  EXPECT_EQ(s.fleet.status, RunStatus::kFail);
  EXPECT_EQ(s.fleet.exit_code, 1);
  ASSERT_EQ(s.instances.size(), 4u);
  for (const auto& i : s.instances) {
    EXPECT_EQ(i.summary.budgets.at(0).verdict, i.name == "leak:1" ? Verdict::kFail : Verdict::kPass) << i.name;
    EXPECT_EQ(i.summary.status, i.name == "leak:1" ? RunStatus::kFail : RunStatus::kPass) << i.name;
  }
  ASSERT_EQ(s.outliers.size(), 1u);
  EXPECT_EQ(s.outliers[0].instance, "leak:1");
  EXPECT_EQ(s.outliers[0].series, "goroutines");
  EXPECT_FALSE(s.outliers[0].within_budget);
  EXPECT_NEAR(s.outliers[0].slope_per_h, 1800, 1e-6);
  ASSERT_EQ(s.fleet.budgets.size(), 1u);
  EXPECT_EQ(s.fleet.budgets[0].verdict, Verdict::kFail);
  EXPECT_EQ(s.fleet.budgets[0].reason, "fails on 1 of 4 instances: leak:1");
  auto j = to_json(s);
  EXPECT_EQ(j["instances"].size(), 4u);
  EXPECT_EQ(j["instances"][0]["labels"]["instance"], "a:1");
  EXPECT_EQ(j["outliers"][0]["instance"], "leak:1");
  EXPECT_EQ(j["schema"], "soak.summary/v1");
}

TEST(FleetJudge, AnOutlierWithinBudgetIsFlaggedButPasses) {
  FleetQuery q{"go_goroutines{job=\"api\"}", {"goroutines"}};
  PromMatrix m;
  for (const char* name : {"a:1", "b:1", "c:1"}) m.series.push_back(series(name, 0, 600, 20, 0));
  m.series.push_back(series("slow:1", 0, 600, 20, 0.01));  // 36/h
  std::vector<std::string> warnings;
  auto g = group_fleet({{q, m}}, "instance", 0, 1, warnings);
  FleetSource src;
  src.end_unix = 599;
  src.step_s = 1;
  FleetSummary s = judge_fleet(g, config({"goroutines=100/h"}), src, warnings);
  EXPECT_EQ(s.fleet.exit_code, 0);
  ASSERT_EQ(s.outliers.size(), 1u);
  EXPECT_EQ(s.outliers[0].instance, "slow:1");
  EXPECT_TRUE(s.outliers[0].within_budget);
  EXPECT_THAT(s.fleet.warnings.back(), HasSubstr("slow:1"));
}

}  // namespace
}  // namespace soak
