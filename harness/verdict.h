// From data, analysis and how the run ended to summary.json's status and the
// exit code (DESIGN.md sections 3 and 8). Shared by `soak run`, `soak check`
// and `soak report` so they agree.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/summarize.h"
#include "common/run_data.h"
#include "common/summary.h"

namespace soak {

/// How the run ended, as the harness saw it.
struct Outcome {
  bool interrupted = false;        // SIGINT/SIGTERM
  bool sut_failed = false;         // could not start, never ready, exited or killed during the run
  std::optional<SutExit> sut_exit; // when it exited during the run
  std::string sut_failure;         // a SUT soak did not launch: why it was lost (stopped answering, restarted)
  std::optional<std::string> internal_error;
  bool early_fail = false;         // --fail-fast stopped the run
};

/// Facts for the summary that are not in the samples.
struct SummaryFacts {
  std::vector<std::string> command;
  std::optional<int> pid;
  std::optional<double> ready_s;
  double duration_s = 0;           // post-ready run length actually achieved
  double interval_s = 1;
  bool strict = false;
  std::optional<WorkloadSummary> workload;
  std::vector<Culprit> culprits;
  std::vector<std::string> warnings;
};

/// The workloads of a run as one summary line, as `soak run` writes it and
/// `soak check`/`soak report` read it back from the workload_end events:
/// counts, rates and errors by kind are summed; max latency is the largest;
/// percentiles cannot be merged, so they are the first workload's that has
/// them. Empty when there is no workload.
std::optional<WorkloadSummary> merge_workloads(const std::vector<WorkloadSummary>& workloads);

/// Fills status and exit_code with the precedence 130 > 3 > 1 > 4 > 0.
Summary assemble_summary(const RunData& data, const Judgement& judgement, const Outcome& outcome,
                         const SummaryFacts& facts);

/// The messages of the run's `warning` events (notices of probes, such as
/// series dropped by --metrics-max-series), in order: summary warnings of
/// `soak run` as of `soak check` and `soak report`.
std::vector<std::string> event_warnings(const RunData& data);

/// Reads Outcome and SummaryFacts back from a run directory's run.json and
/// events.jsonl (for `soak check` / `soak report`).
std::pair<Outcome, SummaryFacts> facts_from_run_data(const RunData& data);

}  // namespace soak
