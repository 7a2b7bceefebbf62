// `soak check`, `soak report` and `soak compare`: judging and comparing
// recorded runs (DESIGN.md sections 2 and 7).
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/budget.h"
#include "common/result.h"
#include "common/run_data.h"
#include "common/summary.h"
#include "harness/history.h"

namespace soak {

struct CheckOptions {
  std::vector<Budget> budgets;       // non-empty: replace the budgets recorded in run.json
  std::optional<bool> strict;        // else run.json "strict", else false
  std::optional<double> confidence;  // else run.json "confidence", else 0.99
  std::optional<HistorySettings> history;  // judge against a build history (docs/history.md)
};

/// Loads a run directory and judges it as `soak run` would have at its end.
/// Works on a run killed half-way and on a minimal run.json from another
/// tool. Errors name the file and the reason. With options.history the
/// budgets gain regression rows, and `history_out` (when given) receives the
/// record to append.
Result<Summary> judge_run_dir(const std::filesystem::path& dir, const CheckOptions& options,
                              RunData* data_out = nullptr, std::optional<PendingHistory>* history_out = nullptr);

/// One line per budget with its verdict and reason (a failed goroutine or
/// heap budget followed by its top culprit), then warnings and the status.
/// `status_line`: end with "soak: STATUS (exit N)" (`soak run` prints its own).
std::string verdict_table(const Summary& summary, bool status_line = true);

/// `soak check`: prints the verdict table; returns the exit code of the
/// verdict. With options.history, appends the run's record to the history.
Result<int> check_command(const std::filesystem::path& dir, const CheckOptions& options, std::ostream& out);

/// `soak report`: judges, writes summary.json and every report; prints the
/// verdict table; returns the exit code of the verdict (as check).
Result<int> report_command(const std::filesystem::path& dir, std::ostream& out);

/// `soak compare`: slope base -> new of every series with a per-hour slope
/// budget in the new run, from both summary.json files (a run without one is
/// judged first). A series regressed when its slope rose significantly
/// (Holm-Bonferroni over the compared series at 1 %) and by at least half
/// its budget (analysis/compare.h). Returns 1 when some series regressed,
/// else 0.
Result<int> compare_command(const std::filesystem::path& base_dir, const std::filesystem::path& dir,
                            std::ostream& out);

}  // namespace soak
