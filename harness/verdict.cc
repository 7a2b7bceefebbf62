// Status and exit code of a run (DESIGN.md section 3), shared by `soak run`,
// `soak check` and `soak report`.
//
// Precedence, first match wins:
//   interrupted                    -> "interrupted"  130
//   SUT failed                     -> "sut_failed"   3
//   internal error of the harness  -> "error"        5
//   a budget failed (or fail-fast)  -> "fail"         1
//   inconclusive under --strict    -> "inconclusive" 4
//   otherwise                      -> "pass"         0 (a warning per inconclusive budget)
// DESIGN.md fixes 130 > 3 > 1 > 4; an internal error sits above a budget
// verdict because the verdict of a harness that broke cannot be trusted.
#include "harness/verdict.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "analysis/verdict_text.h"
#include "common/exit_codes.h"
#include "common/units.h"

namespace soak {

using nlohmann::json;

Summary assemble_summary(const RunData& data, const Judgement& judgement, const Outcome& outcome,
                         const SummaryFacts& facts) {
  Summary s;
  s.duration_s = facts.duration_s;
  s.warmup_s = judgement.warmup_s;
  s.interval_s = facts.interval_s;
  s.samples = data.sample_lines;
  s.command = facts.command;
  s.pid = facts.pid;
  s.ready_s = facts.ready_s;
  s.exit = outcome.sut_exit;
  s.series = judgement.series;
  s.budgets = judgement.budgets;
  s.workload = facts.workload;
  s.culprits = facts.culprits;
  s.warnings = facts.warnings;
  s.warnings.insert(s.warnings.end(), data.warnings.begin(), data.warnings.end());
  s.warnings.insert(s.warnings.end(), judgement.warnings.begin(), judgement.warnings.end());

  bool any_fail = false, any_inconclusive = false;
  for (const auto& b : s.budgets) {
    any_fail = any_fail || b.verdict == Verdict::kFail;
    any_inconclusive = any_inconclusive || b.verdict == Verdict::kInconclusive;
  }

  if (outcome.interrupted) {
    s.status = RunStatus::kInterrupted;
    s.exit_code = exit_code::kInterrupted;
    s.warnings.push_back("the run was interrupted; the verdicts judge the data recorded until then");
  } else if (outcome.sut_failed) {
    s.status = RunStatus::kSutFailed;
    s.exit_code = exit_code::kSutFailed;
    s.warnings.push_back(outcome.sut_exit ? fmt::format("the SUT {} during the run", describe_exit(*outcome.sut_exit))
                         : !outcome.sut_failure.empty()
                             ? fmt::format("the SUT was lost during the run: {}", outcome.sut_failure)
                             : std::string("the SUT failed (did not start or never became ready)"));
  } else if (outcome.internal_error) {
    s.status = RunStatus::kError;
    s.exit_code = exit_code::kInternal;
    s.warnings.push_back("internal error: " + *outcome.internal_error);
  } else if (any_fail || outcome.early_fail) {
    s.status = RunStatus::kFail;
    s.exit_code = exit_code::kBudgetFailed;
    if (outcome.early_fail && !any_fail)
      s.warnings.push_back("--fail-fast stopped the run on a budget exceeded at an early look; "
                           "the final judgement of the shorter run did not confirm it");
  } else if (any_inconclusive && facts.strict) {
    s.status = RunStatus::kInconclusive;
    s.exit_code = exit_code::kInconclusive;
  } else {
    s.status = RunStatus::kPass;
    s.exit_code = exit_code::kPass;
  }

  // Inconclusive budgets pass with a warning that says what to do about it.
  if (!outcome.interrupted && !facts.strict) {
    for (const auto& b : s.budgets) {
      if (b.verdict != Verdict::kInconclusive) continue;
      std::string_view reason = b.reason;
      if (reason.starts_with("inconclusive: ")) reason.remove_prefix(14);
      std::string w = fmt::format("budget {} is inconclusive ({}); it passes because --strict is off", b.spec,
                                  reason.empty() ? "no reason given" : reason);
      // The run that would decide it, unless the reason already gives that
      // figure (one figure, in one rounding: not "about 11 min" and "10m1s").
      if (b.needed_s) {
        const std::string about = analysis::format_about(*b.needed_s);
        if (reason.find(about) == std::string_view::npos) w += "; a run of " + about + " would decide it";
      }
      s.warnings.push_back(std::move(w));
    }
  }
  if (s.budgets.empty()) s.warnings.push_back("no budgets were given: nothing was judged (add --budget rss=2MiB/h)");
  return s;
}

std::optional<WorkloadSummary> merge_workloads(const std::vector<WorkloadSummary>& ws) {
  if (ws.empty()) return std::nullopt;
  WorkloadSummary m = ws.front();
  for (size_t i = 1; i < ws.size(); ++i) {
    const auto& w = ws[i];
    m.requests += w.requests;
    m.errors += w.errors;
    m.rate_per_s += w.rate_per_s;
    m.target_rate_per_s += w.target_rate_per_s;
    m.dropped += w.dropped;
    m.restarts += w.restarts;
    m.aborted += w.aborted;
    m.timed_out += w.timed_out;
    for (const auto& [k, v] : w.errors_by_kind) m.errors_by_kind[k] += v;
    if (!m.p50_ms) m.p50_ms = w.p50_ms;
    if (!m.p99_ms) m.p99_ms = w.p99_ms;
    if (!m.p999_ms) m.p999_ms = w.p999_ms;
    if (w.max_ms && (!m.max_ms || *w.max_ms > *m.max_ms)) m.max_ms = w.max_ms;
  }
  return m;
}

std::vector<std::string> event_warnings(const RunData& data) {
  std::vector<std::string> out;
  for (const auto& e : data.events) {
    if (e.event != "warning") continue;
    auto it = e.fields.find("message");
    if (it != e.fields.end() && it->is_string()) out.push_back(it->get<std::string>());
  }
  return out;
}

std::pair<Outcome, SummaryFacts> facts_from_run_data(const RunData& data) {
  Outcome o;
  SummaryFacts f;
  const json& run = data.run;
  f.interval_s = data.interval_s();
  if (run.is_object()) {
    if (auto it = run.find("command"); it != run.end() && it->is_array())
      for (const auto& a : *it)
        if (a.is_string()) f.command.push_back(a.get<std::string>());
    if (auto it = run.find("pid"); it != run.end() && it->is_number_integer()) f.pid = it->get<int>();
    if (auto it = run.find("strict"); it != run.end() && it->is_boolean()) f.strict = it->get<bool>();
  }

  std::optional<double> run_end_duration;
  std::vector<WorkloadSummary> workloads;
  std::map<std::string, std::pair<int, std::string>> probe_errors;  // probe -> count, first message
  for (const auto& e : data.events) {
    const json& x = e.fields;
    auto str = [&](const char* key) {
      auto it = x.find(key);
      return it != x.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (e.event == "ready") {
      if (!f.ready_s) f.ready_s = e.t;
    } else if (e.event == "launched") {
      if (auto it = x.find("pid"); it != x.end() && it->is_number_integer() && !f.pid) f.pid = it->get<int>();
    } else if (e.event == "launch_failed") {
      o.sut_failed = true;
      f.warnings.push_back("the SUT could not be launched: " + str("message"));
    } else if (e.event == "ready_timeout") {
      o.sut_failed = true;
      f.warnings.push_back("the SUT never became ready: " + str("message"));
    } else if (e.event == "sut_exited") {
      o.sut_failed = true;
      SutExit ex;
      if (auto it = x.find("code"); it != x.end() && it->is_number_integer()) ex.code = it->get<int>();
      if (auto it = x.find("signal"); it != x.end() && it->is_string()) ex.signal = it->get<std::string>();
      if (auto it = x.find("oom_killed"); it != x.end() && it->is_boolean()) ex.oom_killed = it->get<bool>();
      if (auto it = x.find("memory_limit_bytes"); it != x.end() && it->is_number())
        ex.memory_limit_bytes = it->get<double>();
      if (auto it = x.find("after_s"); it != x.end() && it->is_number()) ex.after_s = it->get<double>();
      o.sut_exit = ex;
    } else if (e.event == "sut_lost") {
      o.sut_failed = true;
      o.sut_failure = str("message");
    } else if (e.event == "interrupted") {
      o.interrupted = true;
    } else if (e.event == "early_fail") {
      o.early_fail = true;
    } else if (e.event == "internal_error") {
      o.internal_error = str("message");
    } else if (e.event == "workload_failed") {
      // The harness could not drive the load it was asked for: the run
      // measured something else, so its verdict is not trusted.
      if (!o.internal_error)
        o.internal_error = fmt::format("workload {} failed: {}", str("workload"), str("message"));
    } else if (e.event == "probe_error") {
      auto& pe = probe_errors[str("probe")];
      if (pe.first++ == 0) pe.second = str("message");
    } else if (e.event == "sut_log_capped") {
      f.warnings.push_back("sut.log reached its size cap; later SUT output was not kept (its last lines are in sut.tail.log)");
    } else if (e.event == "workload_end") {
      if (auto it = x.find("summary"); it != x.end() && it->is_object()) {
        // Reuse summary.json's parser for the workload block.
        auto parsed = summary_from_json(json{{"schema", "soak.summary/v1"}, {"workload", *it}});
        if (parsed && parsed->workload) workloads.push_back(*parsed->workload);
      }
    } else if (e.event == "run_end") {
      if (auto it = x.find("duration_s"); it != x.end() && it->is_number()) run_end_duration = it->get<double>();
    }
  }
  f.workload = merge_workloads(workloads);
  for (auto& w : event_warnings(data)) f.warnings.push_back(std::move(w));
  for (const auto& [probe, pe] : probe_errors)
    f.warnings.push_back(fmt::format("probe {}: {} error(s), first: {}", probe.empty() ? "?" : probe, pe.first,
                                     pe.second));

  if (run_end_duration) {
    f.duration_s = *run_end_duration;
  } else {
    // A run killed before run_end (or another tool's data): the span of the
    // samples after readiness.
    double last = 0;
    for (const auto& s : data.series)
      if (!s.t.empty()) last = std::max(last, s.t.back());
    f.duration_s = std::max(0.0, last - f.ready_s.value_or(0.0));
  }
  return {o, f};
}

}  // namespace soak
