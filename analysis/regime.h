// The final regime of a series (DETECTION.md 7): a leak is growth that is
// still going on at the end of the run, so the budget is judged on the
// post-warm-up data's final regime, chosen among three pre-declared tail
// windows (whole, last 1/2, last 1/3 by time).
//
// Selection: the longest window in which the series is one straight line,
// tested by Chow F tests (one OLS line against separate lines before and
// after each later window's start, F deflated by the AR(1) factor of the
// two-segment residuals) at level kChangeLevel each; else the shortest
// eligible window. A fail is then tested at alpha / m over the m eligible
// windows (Bonferroni), so the selection cannot raise the false-alarm rate
// above alpha whenever no window grows faster than the budget. When an
// earlier part did grow (a leak that stopped), the Chow test must catch the
// slowdown; detector_bench measures how often it misses.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace soak::analysis {

inline constexpr int kWindows = 3;
/// Level of each Chow "one line?" test. A missed change costs false alarms
/// (a stopped leak judged with its growth), a spurious one only power (a
/// shorter window), so the test is sensitive rather than strict.
inline constexpr double kChangeLevel = 0.10;

/// A tail window (last 1/2, last 1/3) needs this many points: fewer cannot
/// estimate their own autocorrelation, and a short stretch of correlated
/// noise (a random walk, a GC ramp) looks like a trend to any test.
inline constexpr size_t kMinTailPoints = 15;

/// A change of slope smaller than this share of the larger slope is no change.
inline constexpr double kMaterialChange = 0.25;

/// "whole", "last 1/2", "last 1/3".
std::string_view window_name(int w);

/// Share of the post-warm-up span that window `w` covers: 1, 1/2, 1/3.
double window_share(int w);

/// Windows eligible at family level `alpha`: the number m of nested windows
/// (from the whole one) whose exact test could reject at alpha / m with their
/// point counts (n_w! large enough), tail windows holding at least
/// kMinTailPoints; depends on the counts only, never the values, so it is
/// pre-declared.
int eligible_windows(std::span<const double> t, double from_s, double to_s, double alpha);

/// Index of the first point at or after window `w`'s start.
size_t window_first(std::span<const double> t, double from_s, double to_s, int w);

struct Regime {
  int window = 0;          // selected window
  int windows = 1;         // m, the Bonferroni divisor for a fail
  size_t first = 0;        // first point of the selected window
  double start_s = 0;      // its start time
  double change_p = 1;     // smallest Chow p among the tests that rejected a longer window
  // Description of what came before the selected window (empty when whole,
  // unless the only window holds a step that it is judged since):
  bool step = false;       // one jump carries most of the earlier change
  double step_amount = 0;  // the jump
  double step_at_s = 0;    // between the points before and after the jump
  size_t step_index = 0;   // the point after the jump (Jump::at)
  /// Judged since the step: from the second point after the jump, when that
  /// is longer than the selected window, or the jump lies inside the
  /// selected window (the only one, or a tail window: a step late in the run).
  bool since_step = false;
  /// Judged since a slowdown: with one window only (n >= 10, tails allowed),
  /// from the first point after the knee of the one-knee fit when the slope
  /// after it is lower, the Chow test at the knee rejects one line and >= 5
  /// points follow (a leak that stopped in a short run). The knee is the
  /// best of many, so that p is optimistic: both bounds are then taken at
  /// half the level (fit_regime), a choice detector_bench measures.
  bool since_knee = false;
  double early_slope_per_h = 0;  // slope before the change (no step)
  double late_slope_per_h = 0;   // slope after it (NaN: use the window's)
  double change_at_s = 0;        // when the slope changed (one-knee fit)
};

/// window_name of the regime's window, "since the step" or "since the slowdown".
std::string_view regime_name(const Regime& r);

/// Judging from a step needs this many points after it.
inline constexpr size_t kMinPointsAfterStep = 5;

/// The jump between consecutive points of v[0..last] that carries most of
/// the change from the first three points to v[last..last+2] (>= 60 % of it,
/// the same sign) and exceeds 4 robust SDs (1.4826 MAD) of the differences.
struct Jump {
  bool found = false;
  size_t at = 0;      // index of the point after the jump
  double amount = 0;  // the largest jump (found or not)
};
Jump dominant_jump(std::span<const double> v, size_t last);

/// Chooses the final regime of points (t in s, v) covering [from_s, to_s].
/// With `tails` false only the whole window can be chosen (a cycle longer
/// than a tail window is in the data: its ramp would read as the final
/// regime's growth); m, the Bonferroni divisor, is counted as always.
Regime select_regime(std::span<const double> t, std::span<const double> v, double from_s, double to_s,
                     double alpha, bool tails = true);

/// p of the F test "one slope on both sides of a level shift before point
/// `split`" against "two lines" (AR(1)-deflated like chow_p); 1 when either
/// side has fewer than 3 points.
double shift_slope_change_p(std::span<const double> t, std::span<const double> v, size_t split);

/// p of the Chow test "one line" against "two lines split at `split_s`" on
/// the points (t, v); 1 when either side has fewer than 3 points or the two
/// OLS slopes differ by less than kMaterialChange of the larger.
double chow_p(std::span<const double> t, std::span<const double> v, double split_s);

}  // namespace soak::analysis
