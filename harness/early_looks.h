// When --fail-fast looks at the data during a run, at what level, and what
// the final judgement has left (DETECTION.md section 4, docs/run.md).
#pragma once

#include <optional>
#include <span>
#include <string>

#include "analysis/summarize.h"
#include "common/run_data.h"
#include "common/units.h"

namespace soak {

/// The looks of a --fail-fast run, on the clock "seconds after ready".
/// No look comes before warm-up has ended, and the end of the run is the
/// last look of the alpha-spending plan: the early looks plus the final
/// judgement spend 1 - confidence together.
struct LookPlan {
  double warmup_s = 0;  // looks start after this: --warmup, or under auto the 10 % floor
  double every_s = 0;   // one look every this many seconds after warmup_s
  int planned = 0;      // K, the final judgement at the end included (0: no looks)
  /// Seconds after ready of look k (1-based); look K is the end of the run.
  double at_s(int k) const { return warmup_s + k * every_s; }
};

/// Share of alpha the early looks spend together; the final judgement keeps
/// the rest. A Pocock plan over all K looks would leave the end alpha/30 with
/// 20 looks, making a --fail-fast run's final verdict far weaker than the same
/// run's without it; half keeps the final test at alpha/2 while the early
/// looks still stop a blatant leak (bench/fail_fast_bench).
inline constexpr double kEarlyAlphaShare = 0.5;

/// The auto warm-up floor: the profile baseline and the earliest end of warm-up.
inline constexpr double kAutoWarmupShare = 0.10;

/// Looks over the post-warm-up window w = duration - warm-up (the fixed
/// `warmup`, or 10 % of `duration` under auto): one every
/// max(min(60 s, w/4), w/20), the last at the end: at most 20 in a long
/// run, a minute apart in mid-length ones, 4 in a short one.
LookPlan plan_looks(Duration duration, std::optional<Duration> warmup);

/// AnalysisOptions of early look k (1-based, k < plan.planned) at `now_s`
/// (seconds since launch) for a run ready at `ready_s` whose samples begin at
/// `first_sample_s`: level early_look_confidence(k, K - 1, 1 - alpha/2)
/// (kEarlyAlphaShare), so the early looks spend alpha/2 in all; a fixed
/// warm-up ends at ready + --warmup, as in the final judgement; under auto
/// the analysis chooses, but not before the floor plan.warmup_s.
AnalysisOptions look_options(const LookPlan& plan, int k, double confidence, std::optional<Duration> warmup,
                             double ready_s, double first_sample_s, double now_s);

/// An early look stops a run on a memory series (bytes) only once its
/// post-warm-up data spans this long: over a shorter stretch the ramp of a GC
/// or allocator cycle longer than the data is a straight rise, and no test
/// can tell it from a leak (detector_bench's fail-fast table). Counts
/// (threads, fds, goroutines) have no such cycle and stop after warm-up.
inline constexpr double kMinEarlyStopSpanS = 900;

/// Whether an early look may stop the run on a fail of series `s` whose
/// warm-up ended at `warmup_end_s`, looking at `now_s`: a memory series' data
/// after warm-up spans kMinEarlyStopSpanS, and any sawtooth in it is
/// resolved (no reset, or at least analysis::kMinResets of them so that its
/// blocks start at troughs). Otherwise the look holds and the final
/// judgement decides. `why` (optional) says why not.
bool early_stop_allowed(const SeriesData& s, double warmup_end_s, double now_s, std::string* why = nullptr);

/// An early look also holds while the growth is slowing down: the slope
/// (Theil-Sen) of the later half of the post-warm-up points (by time) below
/// this share of the earlier half's. A cache filling up, or a warm-up that
/// outlasts its floor, is still rising at an early look and may be flat by
/// the end of the run; the final judgement decides (detector_bench's `cache`
/// shape). A steady leak's halves agree, so the look still stops it.
inline constexpr double kSlowingShare = 0.5;

/// Whether the points (t, v) after warm-up rise ever more slowly: both halves
/// hold >= 3 points, the earlier half rises, and the later half's slope is
/// below kSlowingShare of it. `why` (optional) says by how much.
bool growth_slowing(std::span<const double> t, std::span<const double> v, std::string* why = nullptr);

/// early_stop_allowed for the series of slope budget `b` failed by
/// judgement `j` of `data` (its warm-up end from the series' trend) at `now_s`,
/// and not growth_slowing over the trend's post-warm-up points.
bool early_fail_stops(const RunData& data, const Judgement& j, const BudgetResult& b, double now_s,
                      std::string* why = nullptr);

/// The level a run's final judgement spends on fails: alpha - what the
/// early looks spent, alpha = 1 - `confidence`; the looks are the
/// `early_look` events (field `confidence`) of `data`. Empty without looks
/// (fails then take alpha, as passes always do). `soak run` and `soak check`
/// both set AnalysisOptions::fail_alpha from it, so they agree.
std::optional<double> final_look_fail_alpha(const RunData& data, double confidence);

/// alpha - `spent` (alpha = 1 - `confidence`), never a level so small that a
/// quantile overflows: final_look_fail_alpha, and the benches that simulate
/// the looks.
double alpha_left(double confidence, double spent);

}  // namespace soak
