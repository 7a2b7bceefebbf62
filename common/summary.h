// summary.json (schema soak.summary/v1, DESIGN.md section 8) as C++ types.
//
// This is the contract between the harness (which fills it), analysis (which
// computes trends and verdicts) and reports (which render it). Fields may be
// added; none may be removed or change meaning. Every number is in the
// series' base unit (bytes, counts, seconds); slopes are per hour unless a
// budget is per request.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace soak {

enum class Verdict { kPass, kFail, kInconclusive };
std::string_view to_string(Verdict v);

enum class RunStatus { kPass, kFail, kInconclusive, kSutFailed, kInterrupted, kError };
std::string_view to_string(RunStatus s);

/// The fitted trend of one series (analysis output).
struct Trend {
  double slope_per_h = 0;
  double ci_low_per_h = 0;   // two-sided interval at the configured confidence
  double ci_high_per_h = 0;
  std::string method = "theil-sen";
  std::string signal = "block-min";  // block-min | block-p10 | block-median | gc-live | raw
  std::optional<double> mds_per_h;   // minimum detectable slope (no budget: vs 0)
  // Additions to DESIGN.md's example, used by reports and people:
  std::optional<double> ols_slope_per_h;   // cross-check
  double fit_t0_s = 0;                     // the fit line is y = fit_y0 + slope*(t - fit_t0_s)
  double fit_y0 = 0;
  double warmup_end_s = 0;                 // where the fitted data starts
  double block_s = 0;                      // block length of the floor signal
  int n_blocks = 0;
  double sigma = 0;                        // residual noise of the block signal
  double phi = 0;                          // lag-1 autocorrelation of the residuals
  double n_eff = 0;                        // effective sample size after the correction
  std::optional<double> tail_slope_per_h;  // slope of the last third (saturation check)
  std::string note;                        // e.g. "growth slowed from ...: looks like a cache filling up"
  // The final regime judged (DETECTION.md 7; docs/detection.md):
  std::string regime = "whole";            // "whole" | "last 1/2" | "last 1/3" of the post-warm-up data | "since the step" | "since the slowdown" | "across the step" (a pass on one slope across a step; "whole" after a slowdown)
  double regime_start_s = 0;               // first point of that window
  int regime_windows = 1;                  // windows tested (a fail is judged at alpha / this)
  // Set when a slope budget judged this series: ci_low/high_per_h are then
  // that budget's one-sided bounds (lower at budget_alpha / regime_windows,
  // upper at 1 - confidence), the same numbers as its budget row; otherwise
  // they are the two-sided interval at the configured confidence.
  std::optional<double> budget_alpha;
  std::optional<double> se_per_h;          // effective standard error of the slope (soak compare)
  std::vector<double> block_t, block_v;    // the signal actually fitted (for plots)
};

/// When a series reaches its known limit (DESIGN.md section 9): seconds
/// from its last sample at the fitted slope (estimate) and its confidence
/// bounds (low = soonest, high = latest). Empty: never at that slope.
struct TimeToLimit {
  std::optional<double> estimate, low, high;
  double limit = 0;           // in the series' unit
  std::string limit_source;   // "rss<=1GiB", "--memory-limit", "GOMEMLIMIT", "RLIMIT_NOFILE"
  double level = 0;           // fitted level at the last sample
};

struct SeriesSummary {
  std::string name;
  std::string unit;
  size_t count = 0;
  double first = 0, last = 0, min = 0, max = 0;
  std::optional<Trend> trend;  // absent when too little data
  std::optional<TimeToLimit> time_to_limit;  // series with a known limit and a trend
};

struct BudgetResult {
  std::string spec;     // as the user wrote it, e.g. "rss=2MiB/h"
  std::string series;   // resolved canonical series, e.g. "rss_bytes"
  std::string kind;     // "slope" | "level" | "endurance" (limit = required seconds)
  double limit = 0;     // base units (per `per` for slopes)
  std::string per;      // "s","m","h","d","req" for slopes; empty for level
  std::optional<double> observed;   // slope in `per` units (per h for time), or max level
  std::optional<double> ci_low, ci_high;
  Verdict verdict = Verdict::kInconclusive;
  std::string reason;
  // Additions:
  std::string alias;                 // "heap" when the spec used an alias
  std::optional<double> mds;         // minimum detectable slope, same unit as observed
  std::optional<double> needed_s;    // run length that would resolve the budget
  std::optional<double> at_s;        // level budgets: time of the first breach
  std::optional<double> alpha;       // slope budgets: the one-sided level of its fail test
                                     // (Holm-Bonferroni share of the run's alpha)
};

struct SutExit {
  std::optional<int> code;
  std::optional<std::string> signal;  // "SIGKILL"
  bool oom_killed = false;
  // Additions:
  std::optional<double> memory_limit_bytes;  // --memory-limit, when the OOM killer acted under it
  std::optional<double> after_s;             // run time (since ready) when it ended
};

/// "exited with code 2", "was killed by SIGKILL", "was killed by the kernel
/// OOM killer at 64 MiB after 0:41".
std::string describe_exit(const SutExit& e);

struct WorkloadSummary {
  uint64_t requests = 0;
  uint64_t errors = 0;
  double rate_per_s = 0;
  std::optional<double> p50_ms, p99_ms;
  // Additions:
  std::map<std::string, uint64_t> errors_by_kind;  // "connect", "timeout", "status_5xx", ...
  uint64_t dropped = 0;                            // "all connections busy"
  std::optional<double> p999_ms, max_ms;
  double target_rate_per_s = 0;
  uint64_t restarts = 0;                           // external workloads restarted
  uint64_t aborted = 0;      // built-in HTTP load: closed before the response by design (abort_ratio); not errors
  uint64_t timed_out = 0;    // built-in HTTP load: gave up after the short timeout by design (timeout_ratio); not errors
};

/// One culprit: a Go goroutine stack or allocation site, or a native
/// allocation site (the allocation shim), whose figure grew.
struct Culprit {
  std::string kind;        // "goroutines" | "heap" (Go) | "native_heap"
  std::string function;    // top frame of interest, e.g. "main.worker.func1"
  std::string location;    // "worker.go:42"
  std::vector<std::string> frames;  // "fn file:line", innermost first
  double before = 0, after = 0;     // count (goroutines) or in-use bytes (heap)
  std::string wait;                 // e.g. "chan receive" when known
};

struct Summary {
  std::string schema = "soak.summary/v1";
  RunStatus status = RunStatus::kError;
  int exit_code = 5;
  // run
  double duration_s = 0;
  std::optional<double> warmup_s;
  double interval_s = 1;
  size_t samples = 0;
  // sut
  std::vector<std::string> command;
  std::optional<int> pid;
  std::optional<double> ready_s;
  std::optional<SutExit> exit;
  std::vector<SeriesSummary> series;
  std::vector<BudgetResult> budgets;
  std::optional<WorkloadSummary> workload;
  std::vector<Culprit> culprits;
  std::vector<std::string> warnings;
};

nlohmann::json to_json(const Summary& s);
Result<Summary> summary_from_json(const nlohmann::json& j);

}  // namespace soak
