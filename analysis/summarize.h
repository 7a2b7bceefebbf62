// The whole analysis of a run: every series' statistics and trend, and every
// budget's verdict. Pure: data in, structs out; no I/O, no clocks.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/budget.h"
#include "common/run_data.h"
#include "common/summary.h"

namespace soak {

struct AnalysisOptions {
  double confidence = 0.99;            // one-sided test level for budgets
  /// Fixed end of warm-up in seconds since launch, the clock of every t in
  /// the run directory (`soak run`/`soak check`: the ready time + --warmup);
  /// empty = auto (DETECTION.md 3).
  std::optional<double> warmup_s;
  double min_warmup_share = 0.10;      // at least this share of the run is warm-up
  std::optional<double> end_s;         // run end (s since launch); default: last sample
  /// The family-wise false-alarm level of this judgement's fails, split
  /// over the slope budgets by Holm-Bonferroni; default 1 - confidence.
  /// --fail-fast's final look passes what its early looks left unspent.
  /// Passes are always judged at 1 - confidence.
  std::optional<double> fail_alpha;
};

struct Judgement {
  std::vector<SeriesSummary> series;   // every series in the data, with trend when fit
  std::vector<BudgetResult> budgets;   // one per budget, in order
  std::optional<double> warmup_s;      // end of the warm-up used (of the main series), s since launch
  std::vector<std::string> warnings;
};

/// Analyses `data` and judges `budgets` against it. A budget on a series with
/// no data is inconclusive with a reason, never a pass.
Judgement judge_run(const RunData& data, const std::vector<Budget>& budgets,
                    const AnalysisOptions& options);

}  // namespace soak
