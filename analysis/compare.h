// `soak compare`: did a run's budgeted slopes regress against a baseline run?
// Pure: two summaries in, rows out (DETECTION.md 5; docs/detection.md).
//
// Only series with a slope budget (per hour) in the new run are compared: an
// unbudgeted series is not a claim anyone made, and testing every series
// would multiply the false alarms. For each, the change new - base is tested
// one-sided with z = change / sqrt(se_new^2 + se_base^2); Holm-Bonferroni
// over the compared series keeps the run's family-wise false-alarm rate at
// alpha. A significant change regresses only when it is also at least
// `floor_share` of the budget: long precise runs resolve differences far too
// small to matter.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/summary.h"

namespace soak::analysis {

struct CompareRow {
  std::string series;
  double limit = 0;                  // the tightest per-hour slope budget on it
  std::optional<Trend> base, now;    // absent: no trend in that run
  double change = 0;                 // now - base slope, per hour
  double p = 1;                      // one-sided p of "change > 0"
  double alpha = 0;                  // its Holm level
  double floor = 0;                  // smallest change that counts
  bool significant = false;
  bool regressed = false;
};

struct Comparison {
  std::vector<CompareRow> rows;
  int regressions = 0;
};

/// Effective SE of a trend's slope: se_per_h when recorded, else from the
/// two-sided interval at `confidence` (older summaries).
double trend_se(const Trend& t, double confidence);

Comparison compare_runs(const Summary& base, const Summary& now, double alpha = 0.01, double floor_share = 0.5);

}  // namespace soak::analysis
