// Automatic end of warm-up (DETECTION.md 2.3, `--warmup auto`).
//
// Method: a continuous one-breakpoint piecewise-linear least-squares fit
// y = a + b1*min(t-c, 0) + b2*max(t-c, 0) over every candidate knee c
// (the "broken-stick" / segmented regression of Muggeo 2003, solved by a
// grid over c). A knee is accepted when the early slope is positive and
// clearly steeper than the late one (b1 > 0, b2 < b1 / 3) and the knee
// explains most of what a straight line leaves (SSE drop >= 50 %): the
// series rose and then settled. Repeated on the data after an accepted knee
// (up to 3 times) so log-shaped warm-ups are followed to where they flatten.
#pragma once

#include <span>

namespace soak::analysis {

struct WarmupResult {
  double end_s = 0;     // where the fitted data starts
  bool moved = false;   // a knee later than the minimum was found
  int knees = 0;
};

/// `t`, `v`: the block signal over the whole run. The warm-up ends at
/// `min_end_s` at least; knees are searched up to `max_end_s`.
WarmupResult detect_warmup(std::span<const double> t, std::span<const double> v, double min_end_s,
                           double max_end_s);

struct KneeFit {
  double c = 0, b1 = 0, b2 = 0;
  double sse = 0;       // piecewise fit
  double sse_line = 0;  // straight line
  bool ok = false;
};
/// Best knee over candidates t[i] in [lo, hi] (exposed for tests).
KneeFit best_knee(std::span<const double> t, std::span<const double> v, double lo, double hi);

}  // namespace soak::analysis
