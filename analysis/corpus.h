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

enum class LeakShape { kLinear, kLateOnset, kStaircase, kSqrt };

struct CorpusParams {
  double duration_s = 3600;
  double interval_s = 1;
  double base = 100.0 * 1024 * 1024;
  // Leak (the truth the detector is scored against).
  double leak_per_h = 0;            // average slope after warm-up (linear: exact)
  LeakShape leak_shape = LeakShape::kLinear;
  double onset_share = 0.5;         // late onset: leak starts at this share of the run
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
  double phi = 0;
  uint64_t seed = 1;
};

/// The series "rss_bytes" sampled every interval_s from interval_s to duration_s.
SeriesData generate_series(const CorpusParams& p);

/// Leak component alone at time t (for the truth of shaped leaks).
double leak_at(const CorpusParams& p, double t);

struct CorpusCase {
  std::string shape;     // "linear", "flat", "cache", "log-warmup", "sawtooth", "steps-stop", ...
  bool healthy = false;  // mean post-warm-up slope and last-third slope <= budget
  bool leak = false;     // both > budget (neither: ambiguous)
  double ratio = 0;      // leak / budget
  double true_slope_per_h = 0;  // mean post-warm-up slope of the leak component
  CorpusParams params;
};

/// A reproducible mix of `n` cases against budget `budget_per_h`, spanning
/// DETECTION.md 6: ratios {0, 0.5, 0.9, 1.1, 1.5, 2, 5, 20}, late onset,
/// staircase, sqrt growth, cache warm-ups, log warm-ups, sawtooths, steps
/// that stop, bursts; phi in {0, 0.5, 0.9, 0.99}; intervals 0.1-10 s;
/// durations 10 min - 4 h. `max_samples` caps duration/interval so tests
/// stay fast.
std::vector<CorpusCase> make_corpus(size_t n, double budget_per_h, uint64_t seed,
                                    size_t max_samples = 200000);

}  // namespace soak::analysis
