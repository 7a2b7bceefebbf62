// Build history (DETECTION.md section 5, issue 12 item 2): is this build's
// slope of a series significantly above the slopes of the recent builds?
// Pure: numbers in, small structs out; no I/O, no clocks.
//
// Two tests, each with its own job:
//  - judge_regression: the gate. Robust z of this build's slope against the
//    median and MAD of the recent passing builds, with the build's own SE in
//    the scale and an effect-size floor; one-sided (a slope that fell is an
//    improvement).
//  - e_divisive: confirmation. E-divisive means (Matteson & James 2014) with
//    a Student t-test on each candidate split, as Hunter / Apache Otava do
//    (Daly et al. ICPE 2020, Fleming et al. ICPE 2023): it finds persistent
//    shifts in a history and where they started. A shift needs at least two
//    builds on each side, so one bad build is never "persistent".
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/summarize.h"

namespace soak::analysis {

struct RegressionOptions {
  int min_builds = 5;        // fewer baseline builds: no judgement (a note)
  int window = 20;           // baseline: at most the last `window` passing builds
  double z = 5.0;            // robust z above which the slope rose (one-sided)
  double rel_floor = 0.5;    // effect floor: rise >= rel_floor * |baseline median| ...
  double limit_floor = 0.1;  // ... and >= limit_floor * budget limit (the larger wins)
  double cp_alpha = 0.001;   // E-divisive: t-test p-value below which a split is a change point
  int cp_window = 50;        // E-divisive runs over at most the last `cp_window` builds
};

/// One earlier build's slope for one series (oldest first in a history).
struct HistoryPoint {
  double slope = 0;
  double se = 0;           // standard error of that slope (0 when unknown)
  bool passing = true;     // counts in the baseline (its budget did not fail, no regression failed)
};

struct ChangePoint {
  size_t index = 0;        // first point of the later segment
  double mean_before = 0, mean_after = 0;
  double p = 1;            // t-test p-value (two-sided)
};

struct RegressionResult {
  bool judged = false;      // enough baseline builds
  bool regressed = false;   // z above the threshold and the rise above the floor
  size_t n_baseline = 0;
  double median = 0;        // of the baseline slopes
  double sigma = 0;         // 1.4826 * MAD of the baseline slopes
  double scale = 0;         // the z denominator
  double z = 0;             // (slope - median) / scale; +inf when scale is 0 and slope rose
  double rise = 0;          // slope - median
  double floor = 0;         // effect-size floor the rise had to reach
};

/// The slope's standard error the regression check takes for slope budget
/// row `b` of `judgement`: that of the conservative fit, the one fails are
/// judged with. For a time budget the series trend's (`se_per_h`, what `soak
/// compare` uses); a /req budget has no trend of its own, so its row's lower
/// bound, one-sided at the budget's level `alpha`, gives (observed - ci_low)
/// / q (Student quantile on the trend's n_eff; normal without a trend). The
/// row's upper bound is the pass bound, tighter by design, and is not used.
/// Empty when neither is known.
std::optional<double> regression_se(const BudgetResult& b, const Judgement& judgement);

/// Judges `slope` (standard error `se`) of this build against `history`
/// (earlier builds of the same series, budget and machine class, oldest
/// first). `limit` is the budget's limit in the slope's unit.
RegressionResult judge_regression(std::span<const HistoryPoint> history, double slope, double se, double limit,
                                  const RegressionOptions& options);

/// Change points of `x` (oldest first), found by E-divisive means with a
/// t-test: the split maximising the energy statistic within a segment
/// is accepted when its t-test p-value is below `alpha`; the search recurses
/// into the segments until no split is significant. Each side of a split
/// holds at least `min_size` (>= 2) points. Sorted by index.
std::vector<ChangePoint> e_divisive(std::span<const double> x, double alpha, size_t min_size = 2);

/// Student's two-sample t-test (pooled variance), two-sided p-value; 1 when
/// either side has fewer than 2 points; 0 when both variances are 0 and the
/// means differ.
double t_test_p(std::span<const double> a, std::span<const double> b);

}  // namespace soak::analysis
