// The trend of one series over a run: signal, blocks, warm-up, Theil-Sen fit
// with its autocorrelation-aware interval, saturation check, minimum
// detectable slope (DETECTION.md sections 2 and 3).
#pragma once

#include <optional>
#include <string>

#include "analysis/blocks.h"
#include "analysis/slope_fit.h"
#include "common/run_data.h"
#include "common/series.h"
#include "common/summary.h"

namespace soak::analysis {

struct SeriesTrendOptions {
  double confidence = 0.99;
  std::optional<double> warmup_s;  // fixed; empty = auto
  double min_warmup_share = 0.10;
  double start_s = 0;               // run start (first sample of the run)
  double end_s = 0;                 // run end
  double interval_s = 1;            // sampling interval
  double power = 0.95;              // for the minimum detectable slope
};

/// Fewer post-warm-up blocks than this: no verdict.
inline constexpr size_t kMinJudgeBlocks = 8;
/// Fewer than this: no trend at all.
inline constexpr size_t kMinTrendBlocks = 5;

struct SeriesTrend {
  bool has_trend = false;   // enough data for a Trend
  bool judgeable = false;   // enough data for a budget verdict
  std::string why_not;      // when !judgeable: a sentence a person can read
  Signal signal = Signal::kMin;
  Blocks post;              // post-warm-up blocks fitted (t in seconds)
  SlopeFit fit;             // x in hours
  std::optional<SlopeFit> tail;  // last third of the post-warm-up blocks
  double warmup_end_s = 0;
  bool saturating = false;  // growth slowed markedly in the tail
  Trend trend;
};

SeriesTrend analyze_series(const SeriesData& s, SeriesKind kind, std::string_view unit,
                           const SeriesTrendOptions& o);

/// (z_(confidence) + z_(power)) * se: the excess over the budget that this
/// run would detect with the given power (DETECTION.md 3).
double detectable_excess(double se, double confidence, double power, double n_eff);

/// Run length (post-warm-up) that would bring the detectable excess from
/// `excess_now` down to `target`, scaling SE as T^-1.5 (DETECTION.md 3).
double needed_post_warmup_s(double post_s, double excess_now, double target);

}  // namespace soak::analysis
