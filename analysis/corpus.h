// Synthetic soak series for measuring the detector (DETECTION.md 6):
//   y = base + warm-up + leak + sawtooth + steps + bursts + AR(1) noise.
// Seeded and reproducible (std::mt19937_64; values are stable for a given
// standard library).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/run_data.h"

namespace soak::analysis {

enum class LeakShape { kLinear, kLateOnset, kStaircase, kSqrt, kPlateau };

struct CorpusParams {
  double duration_s = 3600;
  double interval_s = 1;
  double base = 100.0 * 1024 * 1024;
  // Leak (the truth the detector is scored against).
  double leak_per_h = 0;            // average slope after warm-up (linear: exact)
  LeakShape leak_shape = LeakShape::kLinear;
  double onset_share = 0.5;         // late onset: leak starts at this share of the run
  double stop_share = 0.5;          // plateau: leak stops at this share of the run
  double stair_period_s = 600;      // staircase: one step per period
  // Warm-up: amp * (1 - exp(-t/tau)) or, log-shaped, amp * log(1 + t/tau) / log(1 + 5).
  double warmup_amp = 0;
  double warmup_tau_s = 300;
  bool warmup_log = false;
  // GC sawtooth: ramps 0..amp over a period jittered by +-jitter share.
  double saw_amp = 0;
  double saw_period_s = 60;
  double saw_jitter = 0.2;
  // Allocator steps: `steps` steps of `step_amp` every `step_every_s`, from t = step_every_s.
  double step_amp = 0;
  int steps = 0;
  double step_every_s = 300;
  // Bursts: Poisson arrivals, each a rectangle of `burst_amp` for `burst_len_s`.
  double burst_per_h = 0;
  double burst_amp = 0;
  double burst_len_s = 20;
  // AR(1) noise with marginal SD sigma and lag-1 correlation phi per sample.
  double sigma = 1.0 * 1024 * 1024;
  double phi = 0;                   // per reading
  // Sampling: `points` > 0 takes that many evenly spaced readings over the
  // run (sparse data: GC cycles, slow probes); `thin_factor` > 1 stretches
  // the interval linearly from interval_s at the start to thin_factor *
  // interval_s at the end (GCs that thin out as the heap grows).
  int points = 0;
  double thin_factor = 1;
  uint64_t seed = 1;
};

/// The series "rss_bytes" sampled every interval_s from interval_s to
/// duration_s (or as `points` / `thin_factor` say).
SeriesData generate_series(const CorpusParams& p);

/// Leak component alone at time t (for the truth of shaped leaks).
double leak_at(const CorpusParams& p, double t);

struct CorpusCase {
  std::string shape;     // "linear", "flat", "cache", "log-warmup", "sawtooth", "steps-stop", ...
  // Truth on the final regime (issue 10): for piecewise shapes the slope of
  // the last piece; for smooth ones (cache, log-warmup, sqrt, staircase)
  // the mean post-warm-up and last-third slopes, both <= budget (healthy) or
  // both > budget (leak), else ambiguous.
  bool healthy = false;
  bool leak = false;
  double final_ratio = 0;  // final regime slope / budget (piecewise shapes)
  double final_share = 0.9;  // share of the run the final regime covers
  double ratio = 0;      // leak / budget
  double true_slope_per_h = 0;  // mean post-warm-up slope of the leak component
  CorpusParams params;
};

/// A reproducible mix of `n` cases against budget `budget_per_h`, spanning
/// DETECTION.md 6 and 7: ratios {0, 0.5, 0.9, 1.1, 1.5, 2, 5, 20}, late
/// onset at 50-80 % of the run, staircase, sqrt growth, cache warm-ups, log
/// warm-ups, sawtooths, steps that stop, one step then flat, one step then
/// a leak, a leak then a plateau, sparse readings (5-10 points), thinning
/// sampling, bursts; phi in {0, 0.5, 0.9, 0.99}; intervals 0.1-10 s;
/// durations 10 min - 4 h. `max_samples` caps duration/interval so tests
/// stay fast.
std::vector<CorpusCase> make_corpus(size_t n, double budget_per_h, uint64_t seed,
                                    size_t max_samples = 200000);

}  // namespace soak::analysis
