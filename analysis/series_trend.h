// The trend of one series over a run: signal, blocks, warm-up, Theil-Sen fit
// with its autocorrelation-aware interval, saturation check, minimum
// detectable slope (DETECTION.md sections 2 and 3).
#pragma once

#include <optional>
#include <string>

#include "analysis/blocks.h"
#include "analysis/regime.h"
#include "analysis/slope_fit.h"
#include "common/run_data.h"
#include "common/series.h"
#include "common/summary.h"

namespace soak::analysis {

struct SeriesTrendOptions {
  double confidence = 0.99;
  std::optional<double> warmup_s;  // fixed end of warm-up, seconds since launch; empty = auto
  double min_warmup_share = 0.10;
  double start_s = 0;               // run start (first sample of the run)
  double end_s = 0;                 // run end
  double interval_s = 1;            // sampling interval
  double power = 0.95;              // for the minimum detectable slope
};

/// A floor's final regime whose line leaves residuals with lag-1
/// autocorrelation above kCorrelatedPhi holds a cycle longer than its
/// blocks: its blocks are merged in pairs, up to this many times, while at
/// least kMinPhiPoints remain. All blocks are lengthened the same way before
/// the regime is chosen, but only down to the points the tail windows need;
/// the chosen window has no such need (DETECTION.md 2.2).
inline constexpr int kMaxRegimeMerges = 3;
inline constexpr double kCorrelatedPhi = 0.5;

/// Fewer post-warm-up points than this: no trend and no verdict. There is no
/// other floor: the exact test decides whether a few points suffice (7
/// strictly rising points have p = 1/5040).
inline constexpr size_t kMinTrendBlocks = 3;

struct SeriesTrend {
  bool has_trend = false;   // enough data for a Trend
  bool judgeable = false;   // enough data for a budget verdict
  std::string why_not;      // when !judgeable: a sentence a person can read
  Signal signal = Signal::kMin;
  Blocks post;              // post-warm-up blocks (t in seconds)
  double post_end_s = 0;    // end of the post-warm-up span (the windows are shares of it)
  Regime regime;            // the final regime: which window is judged
  /// The points judged: the regime window's blocks, merged in pairs
  /// (merge_floor_pairs) `judged_merges` times while their residuals stay
  /// correlated (see kMaxRegimeMerges); t in seconds.
  std::vector<double> judged_t, judged_v;
  int judged_merges = 0;
  /// A second model that may pass the budget (never fail it), on these
  /// points (t in seconds):
  /// - kWholeAfterSlowdown: growth slowed before the final regime (a later
  ///   start chosen over a steeper one, no step); the whole post-warm-up
  ///   window's points, merged the same way. Every secant slope of a concave
  ///   curve is at least its final slope, so its Theil-Sen (and OLS) slope
  ///   bounds the final regime's from above.
  /// - kAcrossStep: judged since a step covering >= 1/3 of the span, and one
  ///   slope on both sides of it fits (shift_slope_change_p >= kChangeLevel);
  ///   the post-warm-up blocks without the one after the jump, split at
  ///   alt_split, fitted with one slope and a level shift
  ///   (fit_slope_across_shift), unmerged.
  /// Either passes only when the judged window's own slope is within the
  /// budget (judge_slope), at the judged window's pass level.
  enum class Alt { kNone, kWholeAfterSlowdown, kAcrossStep } alt = Alt::kNone;
  std::vector<double> alt_t, alt_v;
  size_t alt_split = 0;
  SlopeFit fit;             // the regime's fit at the configured confidence; x in hours
  std::optional<SlopeFit> tail;  // last third of the post-warm-up blocks
  double warmup_end_s = 0;
  bool saturating = false;  // growth slowed markedly before the final regime
  std::string shape;        // "" when one line fits; else "a one-off step of 30 MiB at 20:00" or
                            // "growth is not linear: 0.3 MiB/h until 40:00, 31 MiB/h since"
  bool flat_after_step = false;  // shape is a step (for "flat since" wording)
  /// Resets of a cycle seen after warm-up when there are too few (1 to
  /// kMinResets - 1) to read its troughs: the rise may be the ramp of a
  /// cycle nearly as long as the data, so it cannot fail (0 otherwise).
  size_t unresolved_resets = 0;
  Trend trend;
};

/// The selected regime's points (x in hours) and its fits for a budget:
/// `low` at one-sided `fail_alpha / regime.windows` (Bonferroni over the
/// windows), `high` at one-sided `pass_alpha`.
struct RegimeFit {
  SlopeFit fail_fit;
  SlopeFit pass_fit;
  double fail_alpha = 0;    // per window: the budget's alpha / m
  size_t n = 0;
  /// With SeriesTrend::alt: its fits (pass, and at the fail level for the
  /// interval shown when it passes).
  std::optional<SlopeFit> alt_pass_fit, alt_fail_fit;
};
RegimeFit fit_regime(const SeriesTrend& tr, double fail_alpha, double pass_alpha);

/// Smallest number of points with which the exact test can reject at
/// one-sided level `alpha` (5 at 0.01, 6 at 0.0033).
size_t min_points_for(double alpha);

SeriesTrend analyze_series(const SeriesData& s, SeriesKind kind, std::string_view unit,
                           const SeriesTrendOptions& o);

/// (z_(confidence) + z_(power)) * se: the excess over the budget that this
/// run would detect with the given power (DETECTION.md 3).
double detectable_excess(double se, double confidence, double power, double n_eff);

/// Run length (post-warm-up) that would bring the detectable excess from
/// `excess_now` down to `target`, scaling SE as T^-1.5 (DETECTION.md 3).
double needed_post_warmup_s(double post_s, double excess_now, double target);

}  // namespace soak::analysis
