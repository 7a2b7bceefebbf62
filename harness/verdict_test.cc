#include "harness/verdict.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/exit_codes.h"

namespace soak {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

BudgetResult budget(const std::string& spec, Verdict v) {
  BudgetResult b;
  b.spec = spec;
  b.series = "rss_bytes";
  b.kind = "slope";
  b.per = "h";
  b.verdict = v;
  b.reason = "because";
  return b;
}

struct Case {
  const char* name;
  Outcome outcome;
  std::vector<Verdict> verdicts;
  bool strict;
  RunStatus status;
  int code;
};

TEST(VerdictTest, PrecedenceTable) {
  Outcome none;
  Outcome interrupted{.interrupted = true, .sut_failed = true};
  Outcome crashed{.sut_failed = true, .sut_exit = SutExit{.signal = "SIGKILL", .oom_killed = true}};
  Outcome broken{.internal_error = "sampler died"};
  Outcome early{.early_fail = true};
  using V = Verdict;
  const Case cases[] = {
      {"all pass", none, {V::kPass, V::kPass}, false, RunStatus::kPass, exit_code::kPass},
      {"no budgets", none, {}, false, RunStatus::kPass, exit_code::kPass},
      {"a fail", none, {V::kPass, V::kFail}, false, RunStatus::kFail, exit_code::kBudgetFailed},
      {"inconclusive passes", none, {V::kInconclusive, V::kPass}, false, RunStatus::kPass, exit_code::kPass},
      {"inconclusive strict", none, {V::kInconclusive, V::kPass}, true, RunStatus::kInconclusive,
       exit_code::kInconclusive},
      {"1 over 4", none, {V::kInconclusive, V::kFail}, true, RunStatus::kFail, exit_code::kBudgetFailed},
      {"3 over 1", crashed, {V::kFail}, false, RunStatus::kSutFailed, exit_code::kSutFailed},
      {"3 over 4", crashed, {V::kInconclusive}, true, RunStatus::kSutFailed, exit_code::kSutFailed},
      {"130 over 3 and 1", interrupted, {V::kFail}, false, RunStatus::kInterrupted, exit_code::kInterrupted},
      {"5 over 1", broken, {V::kFail}, false, RunStatus::kError, exit_code::kInternal},
      {"3 over 5", Outcome{.sut_failed = true, .internal_error = "x"}, {}, false, RunStatus::kSutFailed,
       exit_code::kSutFailed},
      {"early fail", early, {V::kPass}, false, RunStatus::kFail, exit_code::kBudgetFailed},
  };
  for (const auto& c : cases) {
    Judgement j;
    for (size_t i = 0; i < c.verdicts.size(); ++i) j.budgets.push_back(budget("b" + std::to_string(i), c.verdicts[i]));
    SummaryFacts f;
    f.strict = c.strict;
    Summary s = assemble_summary(RunData{}, j, c.outcome, f);
    EXPECT_EQ(s.status, c.status) << c.name << ": got " << to_string(s.status);
    EXPECT_EQ(s.exit_code, c.code) << c.name;
  }
}

TEST(VerdictTest, InconclusiveWithoutStrictWarnsWithTheReasonAndNeededLength) {
  Judgement j;
  j.budgets.push_back(budget("rss=1MiB/h", Verdict::kInconclusive));
  j.budgets.back().reason = "too little post-warmup data";
  j.budgets.back().needed_s = 7200;
  Summary s = assemble_summary(RunData{}, j, Outcome{}, SummaryFacts{});
  EXPECT_EQ(s.status, RunStatus::kPass);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_THAT(s.warnings[0], HasSubstr("rss=1MiB/h is inconclusive (too little post-warmup data)"));
  EXPECT_THAT(s.warnings[0], HasSubstr("; a run of about 2 h would decide it"));
}

// A reason that already names the run that would resolve or decide it is
// not followed by a second figure in other words and rounding (the demo
// once read "about 11 min would resolve 4 MiB/h ...; a run of about 10m1s
// would decide it").
TEST(VerdictTest, InconclusiveWarningNamesTheNeededRunOnce) {
  for (std::string reason : {"inconclusive: this run could only detect slopes above 16.3 MiB/h; about 11 min would resolve 4 MiB/h",
                             "inconclusive: slope 1.6 MiB/h [0.74, 2.3] is too close to budget 2 MiB/h to decide (this run "
                             "could detect slopes above 3.34 MiB/h; about 11 min would decide it if the slope stays at 1.6 MiB/h)"}) {
    Judgement j;
    j.budgets.push_back(budget("rss=4MiB/h", Verdict::kInconclusive));
    j.budgets.back().reason = reason;
    j.budgets.back().needed_s = 601;
    Summary s = assemble_summary(RunData{}, j, Outcome{}, SummaryFacts{});
    ASSERT_EQ(s.warnings.size(), 1u);
    EXPECT_THAT(s.warnings[0], HasSubstr("about 11 min would"));
    EXPECT_THAT(s.warnings[0], Not(HasSubstr("a run of"))) << s.warnings[0];
    EXPECT_THAT(s.warnings[0], Not(HasSubstr("10m1s"))) << s.warnings[0];
  }
}

TEST(VerdictTest, CopiesFactsSeriesAndWarnings) {
  RunData data;
  data.sample_lines = 42;
  data.warnings.push_back("samples.jsonl: line 43 is truncated");
  Judgement j;
  j.series.push_back(SeriesSummary{.name = "rss_bytes", .unit = "bytes", .count = 42});
  j.budgets.push_back(budget("rss=1MiB/h", Verdict::kPass));
  j.warmup_s = 12;
  j.warnings.push_back("from analysis");
  SummaryFacts f;
  f.command = {"./server"};
  f.pid = 77;
  f.ready_s = 0.5;
  f.duration_s = 100;
  f.interval_s = 2;
  f.workload = WorkloadSummary{.requests = 10};
  f.warnings.push_back("from facts");
  Outcome o{.sut_failed = true, .sut_exit = SutExit{.code = 2}};
  Summary s = assemble_summary(data, j, o, f);
  EXPECT_EQ(s.samples, 42u);
  EXPECT_EQ(s.warmup_s, 12);
  EXPECT_EQ(s.command, f.command);
  EXPECT_EQ(s.pid, 77);
  EXPECT_EQ(s.ready_s, 0.5);
  EXPECT_EQ(s.duration_s, 100);
  EXPECT_EQ(s.interval_s, 2);
  ASSERT_TRUE(s.exit);
  EXPECT_EQ(s.exit->code, 2);
  ASSERT_TRUE(s.workload);
  EXPECT_EQ(s.workload->requests, 10u);
  EXPECT_EQ(s.series.size(), 1u);
  EXPECT_THAT(s.warnings, Contains("from facts"));
  EXPECT_THAT(s.warnings, Contains("from analysis"));
  EXPECT_THAT(s.warnings, Contains("samples.jsonl: line 43 is truncated"));
  EXPECT_THAT(s.warnings, Contains(HasSubstr("exited with code 2")));
}

TEST(VerdictTest, FactsFromRunJsonAndEvents) {
  RunData d;
  d.run = nlohmann::json::parse(R"({"schema":"soak.run/v1","command":["./srv","-x"],"pid":99,"strict":true,
                                    "interval_s":2.0})");
  ASSERT_TRUE(parse_events(R"({"t":0.0,"event":"launched","pid":99}
{"t":0.4,"event":"ready"}
{"t":1.0,"event":"probe_error","probe":"go","message":"connection refused"}
{"t":2.0,"event":"probe_error","probe":"go","message":"again"}
{"t":3.0,"event":"warning","source":"metrics","message":"metrics: 9 series beyond --metrics-max-series 500 were not recorded"}
{"t":30.0,"event":"workload_end","workload":"http","summary":{"requests":500,"errors":2,"rate_per_s":100.0,"latency_ms":{"p50":1.5,"p99":9.0}}}
{"t":30.5,"event":"sut_exited","signal":"SIGKILL","oom_killed":true}
{"t":30.6,"event":"run_end","reason":"sut_exited","duration_s":30.2}
)",
                           "events.jsonl", d)
                  .ok());
  auto [o, f] = facts_from_run_data(d);
  EXPECT_TRUE(o.sut_failed);
  ASSERT_TRUE(o.sut_exit);
  EXPECT_EQ(o.sut_exit->signal, "SIGKILL");
  EXPECT_TRUE(o.sut_exit->oom_killed);
  EXPECT_FALSE(o.interrupted);
  EXPECT_EQ(f.command, (std::vector<std::string>{"./srv", "-x"}));
  EXPECT_EQ(f.pid, 99);
  EXPECT_TRUE(f.strict);
  EXPECT_EQ(f.ready_s, 0.4);
  EXPECT_DOUBLE_EQ(f.duration_s, 30.2);
  EXPECT_DOUBLE_EQ(f.interval_s, 2.0);
  ASSERT_TRUE(f.workload);
  EXPECT_EQ(f.workload->requests, 500u);
  EXPECT_EQ(f.workload->p99_ms, 9.0);
  EXPECT_THAT(f.warnings, Contains(HasSubstr("probe go: 2 error(s), first: connection refused")));
  EXPECT_THAT(f.warnings, Contains("metrics: 9 series beyond --metrics-max-series 500 were not recorded"));
  EXPECT_EQ(event_warnings(d), std::vector<std::string>{"metrics: 9 series beyond --metrics-max-series 500 were not recorded"});
}

TEST(VerdictTest, SeveralWorkloadsReadBackAsTheRunMergedThem) {
  // Two workload_end events written the way `soak run` writes them; what
  // `soak check`/`soak report` read back must equal what the run merged
  // (rates, drops and errors by kind were lost in the read-back once).
  WorkloadSummary a;
  a.requests = 500;
  a.errors = 3;
  a.rate_per_s = 50;
  a.target_rate_per_s = 50;
  a.dropped = 7;
  a.errors_by_kind = {{"connect", 2}, {"timeout", 1}};
  a.p50_ms = 1.5;
  a.p99_ms = 9.0;
  a.max_ms = 20;
  a.aborted = 4;
  WorkloadSummary b;
  b.requests = 100;
  b.errors = 5;
  b.rate_per_s = 10;
  b.dropped = 1;
  b.restarts = 2;
  b.errors_by_kind = {{"timeout", 4}, {"status_5xx", 1}};
  b.max_ms = 35;
  b.timed_out = 6;
  auto block = [](const WorkloadSummary& w) {
    Summary s;
    s.workload = w;
    return to_json(s)["workload"];
  };
  RunData d;
  std::string events;
  for (const auto& w : {a, b})
    events += nlohmann::json{{"t", 30.0}, {"event", "workload_end"}, {"workload", "w"}, {"summary", block(w)}}.dump() +
              "\n";
  ASSERT_TRUE(parse_events(events, "events.jsonl", d).ok());
  auto [o, f] = facts_from_run_data(d);
  auto merged = merge_workloads({a, b});
  ASSERT_TRUE(merged && f.workload);
  EXPECT_EQ(block(*f.workload), block(*merged));
  EXPECT_EQ(merged->requests, 600u);
  EXPECT_EQ(merged->errors, 8u);
  EXPECT_DOUBLE_EQ(merged->rate_per_s, 60.0);
  EXPECT_DOUBLE_EQ(merged->target_rate_per_s, 50.0);
  EXPECT_EQ(merged->dropped, 8u);
  EXPECT_EQ(merged->restarts, 2u);
  EXPECT_EQ(merged->aborted, 4u);
  EXPECT_EQ(merged->timed_out, 6u);
  EXPECT_EQ(merged->errors_by_kind, (std::map<std::string, uint64_t>{{"connect", 2}, {"status_5xx", 1}, {"timeout", 5}}));
  EXPECT_EQ(merged->p99_ms, 9.0);
  EXPECT_EQ(merged->max_ms, 35.0);
  EXPECT_FALSE(merge_workloads({}));
}

TEST(VerdictTest, FactsFromMinimalRunJsonAreUnknown) {
  RunData d;
  d.run = nlohmann::json::parse(R"({"schema":"soak.run/v1","interval_s":1.0,"budgets":["rss=2MiB/h"]})");
  d.series.push_back(SeriesData{"rss_bytes", {1, 2, 3, 60}, {1, 2, 3, 4}});
  auto [o, f] = facts_from_run_data(d);
  EXPECT_FALSE(o.sut_failed);
  EXPECT_FALSE(o.interrupted);
  EXPECT_FALSE(o.internal_error);
  EXPECT_FALSE(f.pid);
  EXPECT_FALSE(f.ready_s);
  EXPECT_TRUE(f.command.empty());
  EXPECT_DOUBLE_EQ(f.duration_s, 60);  // span of the samples when run_end is missing
}

TEST(VerdictTest, ALostRemoteSutIsASutFailureWithItsReason) {
  RunData d;
  d.run = nlohmann::json::parse(R"({"schema":"soak.run/v1","command":[],"pid":null,"interval_s":1.0})");
  ASSERT_TRUE(parse_events(R"({"t":0.0,"event":"observing","metrics":"http://10.0.0.7:9100/metrics","go":null}
{"t":0.2,"event":"ready"}
{"t":95.0,"event":"sut_lost","message":"the SUT restarted: counter go_gc_cycles went back from 41 to 2"}
)",
                           "events.jsonl", d)
                  .ok());
  auto [o, f] = facts_from_run_data(d);
  EXPECT_TRUE(o.sut_failed);
  EXPECT_FALSE(o.sut_exit);
  EXPECT_FALSE(f.pid);
  EXPECT_TRUE(f.command.empty());
  Summary s = assemble_summary(d, Judgement{}, o, f);
  EXPECT_EQ(s.status, RunStatus::kSutFailed);
  EXPECT_EQ(s.exit_code, exit_code::kSutFailed);
  EXPECT_THAT(s.warnings, Contains("the SUT was lost during the run: the SUT restarted: counter go_gc_cycles "
                                   "went back from 41 to 2"));
}

TEST(VerdictTest, InterruptEarlyFailAndWorkloadFailureEvents) {
  RunData d;
  ASSERT_TRUE(parse_events(R"({"t":1,"event":"early_fail","budget":"rss=0/h","reason":"x"}
{"t":2,"event":"interrupted","signal":"SIGINT"}
{"t":2,"event":"workload_failed","workload":"cmd","message":"exited at once 5 times"}
)",
                           "events.jsonl", d)
                  .ok());
  auto [o, f] = facts_from_run_data(d);
  EXPECT_TRUE(o.early_fail);
  EXPECT_TRUE(o.interrupted);
  ASSERT_TRUE(o.internal_error);
  EXPECT_THAT(*o.internal_error, HasSubstr("workload cmd failed: exited at once 5 times"));
}

}  // namespace
}  // namespace soak
