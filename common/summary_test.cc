#include "common/summary.h"

#include <gtest/gtest.h>

namespace soak {
namespace {

Summary sample_summary() {
  Summary s;
  s.status = RunStatus::kFail;
  s.exit_code = 1;
  s.duration_s = 7200;
  s.warmup_s = 612;
  s.samples = 7190;
  s.command = {"./server", "--port", "8080"};
  s.pid = 4242;
  s.ready_s = 0.4;
  s.exit = SutExit{std::nullopt, "SIGKILL", true};
  SeriesSummary rss{"rss_bytes", "bytes", 7190, 1e7, 1.2e7, 9.9e6, 1.3e7, Trend{}};
  rss.trend->slope_per_h = 1.1e6;
  rss.trend->ci_low_per_h = 0.8e6;
  rss.trend->ci_high_per_h = 1.4e6;
  rss.trend->mds_per_h = 2e5;
  rss.trend->block_t = {60, 120};
  rss.trend->block_v = {1e7, 1.01e7};
  s.series.push_back(rss);
  s.series.push_back(SeriesSummary{"threads", "count", 3, 7, 7, 7, 7, std::nullopt});
  BudgetResult b;
  b.spec = "rss=2MiB/h";
  b.series = "rss_bytes";
  b.kind = "slope";
  b.limit = 2097152;
  b.per = "h";
  b.observed = 1.1e6;
  b.verdict = Verdict::kPass;
  b.reason = "within";
  s.budgets.push_back(b);
  BudgetResult lvl;
  lvl.spec = "rss<=512MiB";
  lvl.series = "rss_bytes";
  lvl.kind = "level";
  lvl.verdict = Verdict::kFail;
  s.budgets.push_back(lvl);
  WorkloadSummary w;
  w.requests = 1440000;
  w.rate_per_s = 200;
  w.p99_ms = 8.4;
  w.errors_by_kind = {{"timeout", 3}};
  s.workload = w;
  s.culprits.push_back(Culprit{"goroutines", "main.worker.func1", "worker.go:42", {"a", "b"}, 3, 12003, "chan receive"});
  s.warnings = {"w1"};
  return s;
}

TEST(Summary, JsonFollowsDesignSectionEight) {
  auto j = to_json(sample_summary());
  EXPECT_EQ(j["schema"], "soak.summary/v1");
  EXPECT_EQ(j["status"], "fail");
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_EQ(j["run"]["duration_s"], 7200.0);
  EXPECT_EQ(j["run"]["warmup_s"], 612.0);
  EXPECT_EQ(j["sut"]["command"][0], "./server");
  EXPECT_EQ(j["sut"]["exit"]["signal"], "SIGKILL");
  EXPECT_EQ(j["sut"]["exit"]["oom_killed"], true);
  EXPECT_FALSE(j["sut"]["exit"].contains("code"));
  EXPECT_EQ(j["series"][0]["trend"]["method"], "theil-sen");
  EXPECT_EQ(j["series"][0]["trend"]["signal"], "block-min");
  EXPECT_EQ(j["series"][0]["trend"]["mds_per_h"], 2e5);
  EXPECT_TRUE(j["series"][1]["trend"].is_null());
  EXPECT_EQ(j["budgets"][0]["per"], "h");
  EXPECT_TRUE(j["budgets"][1]["per"].is_null());
  EXPECT_EQ(j["budgets"][1]["verdict"], "fail");
  EXPECT_EQ(j["workload"]["latency_ms"]["p99"], 8.4);
  EXPECT_TRUE(j["workload"]["latency_ms"]["p50"].is_null());
}

TEST(Summary, RoundTrips) {
  Summary s = sample_summary();
  auto back = summary_from_json(to_json(s));
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(to_json(*back), to_json(s));
}

TEST(Summary, RejectsOtherSchemas) {
  auto r = summary_from_json(nlohmann::json{{"schema", "x/v9"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("unknown schema \"x/v9\""), std::string::npos);
  EXPECT_FALSE(summary_from_json(nlohmann::json::array()).ok());
}

}  // namespace
}  // namespace soak
