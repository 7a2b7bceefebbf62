#include "analysis/corpus.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace soak::analysis {

double leak_at(const CorpusParams& p, double t) {
  const double r = p.leak_per_h / 3600.0;
  switch (p.leak_shape) {
    case LeakShape::kLinear: return r * t;
    case LeakShape::kLateOnset: {
      double on = p.onset_share * p.duration_s;
      return t > on ? r * (t - on) : 0;
    }
    case LeakShape::kStaircase: return r * p.stair_period_s * std::floor(t / p.stair_period_s);
    case LeakShape::kPlateau: return r * std::min(t, p.stop_share * p.duration_s);
    case LeakShape::kSqrt:
      // Same total growth over the run as the linear leak: r*T*sqrt(t/T).
      return r * p.duration_s * std::sqrt(std::max(t, 0.0) / p.duration_s);
  }
  return 0;
}

SeriesData generate_series(const CorpusParams& p) {
  SeriesData s{"rss_bytes", {}, {}};
  std::mt19937_64 rng(p.seed);
  std::normal_distribution<double> z(0, 1);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<double> times;
  if (p.points > 0) {
    for (int k = 1; k <= p.points; ++k) times.push_back(p.duration_s * k / p.points);
  } else if (p.thin_factor > 1) {
    for (double t = p.interval_s; t <= p.duration_s; t += p.interval_s * (1 + (p.thin_factor - 1) * t / p.duration_s))
      times.push_back(t);
  } else {
    const size_t n = static_cast<size_t>(std::floor(p.duration_s / p.interval_s));
    for (size_t i = 1; i <= n; ++i) times.push_back(static_cast<double>(i) * p.interval_s);
  }
  s.t.reserve(times.size());
  s.v.reserve(times.size());
  const double innov = p.sigma * std::sqrt(std::max(1 - p.phi * p.phi, 0.0));
  double e = p.sigma * z(rng);
  double saw_start = 0, saw_len = p.saw_period_s;
  double burst_until = -1;
  const double burst_p = p.burst_per_h / 3600.0 * p.interval_s;
  for (double t : times) {
    double y = p.base + leak_at(p, t);
    if (p.warmup_amp != 0)
      y += p.warmup_log ? p.warmup_amp * std::log1p(t / p.warmup_tau_s) / std::log1p(5.0)
                        : p.warmup_amp * (1 - std::exp(-t / p.warmup_tau_s));
    if (p.saw_amp != 0) {
      while (t >= saw_start + saw_len) {
        saw_start += saw_len;
        saw_len = p.saw_period_s * (1 + p.saw_jitter * (2 * u(rng) - 1));
      }
      y += p.saw_amp * (t - saw_start) / saw_len;
    }
    if (p.steps > 0 && p.step_amp != 0)
      y += p.step_amp * std::min<double>(p.steps, std::floor(t / p.step_every_s));
    if (burst_p > 0 && t > burst_until && u(rng) < burst_p) burst_until = t + p.burst_len_s;
    if (t <= burst_until) y += p.burst_amp;
    e = p.phi * e + innov * z(rng);
    y += e;
    s.t.push_back(t);
    s.v.push_back(y);
  }
  return s;
}

std::vector<CorpusCase> make_corpus(size_t n, double budget, uint64_t seed, size_t max_samples) {
  constexpr double kMiB = 1024.0 * 1024.0;
  std::mt19937_64 rng(seed);
  auto pick = [&](auto const& v) { return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)]; };
  auto logu = [&](double lo, double hi) {
    return lo * std::pow(hi / lo, std::uniform_real_distribution<double>(0, 1)(rng));
  };
  const std::vector<double> ratios = {0, 0.5, 0.9, 1.1, 1.5, 2, 5, 20};
  const std::vector<double> phis = {0, 0.5, 0.9, 0.99};
  const std::vector<double> intervals = {0.1, 0.5, 1, 2, 5, 10};
  const std::vector<double> durations = {600, 1800, 3600, 7200, 14400};
  const std::vector<std::string> shapes = {"linear",     "linear",    "linear",       "late-onset", "staircase",
                                           "sqrt",       "cache",     "log-warmup",   "sawtooth",   "steps-stop",
                                           "bursts",     "step-flat", "step-leak",    "leak-plateau", "sparse",
                                           "thinning"};
  const std::vector<double> final_ratios = {0, 0.5, 1.5, 2, 5, 20};
  std::vector<CorpusCase> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    CorpusCase c;
    CorpusParams& p = c.params;
    p.seed = rng();
    p.duration_s = pick(durations);
    p.interval_s = pick(intervals);
    if (p.duration_s / p.interval_s > static_cast<double>(max_samples))
      p.interval_s = p.duration_s / static_cast<double>(max_samples);
    p.sigma = logu(0.1, 10) * kMiB * 0.1;  // 0.01-1 MiB per sample; block floors are quieter still
    p.phi = pick(phis);
    c.shape = pick(shapes);
    c.ratio = 0;
    bool piecewise = true;  // truth = the final regime's slope
    c.final_share = 0.9;    // after the minimum warm-up
    if (c.shape == "linear" || c.shape == "late-onset" || c.shape == "staircase" || c.shape == "sqrt") {
      c.ratio = pick(ratios);
      p.leak_per_h = c.ratio * budget;
      if (c.shape == "late-onset") {
        p.leak_shape = LeakShape::kLateOnset;
        p.onset_share = std::uniform_real_distribution<double>(0.5, 0.8)(rng);
        c.final_share = 1 - p.onset_share;
      }
      if (c.shape == "staircase") {
        p.leak_shape = LeakShape::kStaircase;
        p.stair_period_s = p.duration_s / 8;
        piecewise = false;
      }
      if (c.shape == "sqrt") {
        p.leak_shape = LeakShape::kSqrt;
        piecewise = false;
      }
      c.final_ratio = c.ratio;
      // A modest GC sawtooth on every leak case.
      p.saw_amp = logu(0.1, 1) * 2 * kMiB;
      p.saw_period_s = logu(5, 120);
    } else if (c.shape == "step-flat" || c.shape == "step-leak") {
      // One allocator step at 15-50 % of the run; flat after it, or a leak
      // starting with it.
      const double at = std::uniform_real_distribution<double>(0.15, 0.5)(rng);
      p.step_amp = logu(5, 50) * kMiB;
      p.steps = 1;
      p.step_every_s = at * p.duration_s;
      c.final_share = 1 - at;
      if (c.shape == "step-leak") {
        c.ratio = pick(final_ratios);
        p.leak_per_h = c.ratio * budget;
        p.leak_shape = LeakShape::kLateOnset;
        p.onset_share = at;
      }
      c.final_ratio = c.ratio;
      p.saw_amp = logu(0.1, 1) * 2 * kMiB;
      p.saw_period_s = logu(5, 120);
    } else if (c.shape == "leak-plateau") {
      // A leak of 2-20x the budget that stops at 20-50 % of the run.
      c.ratio = pick(std::vector<double>{2, 5, 20});
      p.leak_per_h = c.ratio * budget;
      p.leak_shape = LeakShape::kPlateau;
      p.stop_share = std::uniform_real_distribution<double>(0.2, 0.5)(rng);
      c.final_share = 1 - p.stop_share;
      c.final_ratio = 0;
      p.saw_amp = logu(0.1, 1) * 2 * kMiB;
      p.saw_period_s = logu(5, 120);
    } else if (c.shape == "sparse") {
      // 5-10 readings over the run (GC cycles, a slow probe): independent
      // or mildly correlated noise between readings.
      p.points = std::uniform_int_distribution<int>(5, 10)(rng);
      p.phi = pick(std::vector<double>{0, 0.5});
      c.ratio = pick(final_ratios);
      p.leak_per_h = c.ratio * budget;
      c.final_ratio = c.ratio;
    } else if (c.shape == "thinning") {
      // The interval grows 5-30x over the run (a leaking heap's GCs, the go
      // probe's duty cycle), with a GC sawtooth.
      p.thin_factor = logu(5, 30);
      c.ratio = pick(final_ratios);
      p.leak_per_h = c.ratio * budget;
      c.final_ratio = c.ratio;
      p.saw_amp = logu(0.1, 1) * 5 * kMiB;
      p.saw_period_s = logu(5, 120);
    } else if (c.shape == "cache") {
      p.warmup_amp = logu(10, 200) * kMiB;
      p.warmup_tau_s = std::min(logu(60, 1800), p.duration_s / 20);
      piecewise = false;
    } else if (c.shape == "log-warmup") {
      p.warmup_log = true;
      p.warmup_amp = logu(10, 200) * kMiB;
      p.warmup_tau_s = std::min(logu(60, 1800), p.duration_s / 20);
      piecewise = false;
    } else if (c.shape == "sawtooth") {
      p.saw_amp = logu(0.1, 1) * 50 * kMiB;
      p.saw_period_s = logu(5, 600);
      p.saw_jitter = 0.3;
    } else if (c.shape == "steps-stop") {
      p.step_amp = logu(1, 20) * kMiB;
      p.steps = 3;
      p.step_every_s = p.duration_s / 12;  // the last step lands at 25 % of the run
    } else if (c.shape == "bursts") {
      p.burst_per_h = logu(1, 20);
      p.burst_amp = logu(5, 50) * kMiB;
      p.burst_len_s = logu(5, 60);
    }
    // Truth on the final regime. Piecewise shapes: the slope of the last
    // piece (healthy <= budget < leak). Smooth shapes: the mean slope of
    // leak + warm-up over the judged part (after 10 % of the run) and over
    // its last third; healthy when both are within the budget, a leak when
    // both exceed it, else ambiguous (excluded from both rates).
    auto drift = [&](double t) {
      double w = 0;
      if (p.warmup_amp != 0)
        w = p.warmup_log ? p.warmup_amp * std::log1p(t / p.warmup_tau_s) / std::log1p(5.0)
                         : p.warmup_amp * (1 - std::exp(-t / p.warmup_tau_s));
      return leak_at(p, t) + w;
    };
    auto mean_slope = [&](double t0, double t1) { return (drift(t1) - drift(t0)) / ((t1 - t0) / 3600.0); };
    double t0 = 0.1 * p.duration_s, t1 = p.duration_s, t2 = t1 - (t1 - t0) / 3;
    c.true_slope_per_h = c.shape == "linear" ? p.leak_per_h : mean_slope(t0, t1);
    if (piecewise) {
      c.healthy = c.final_ratio <= 1;
      c.leak = c.final_ratio > 1;
    } else {
      double tail = mean_slope(t2, t1);
      c.healthy = c.true_slope_per_h <= budget && tail <= budget;
      c.leak = c.true_slope_per_h > budget && tail > budget;
      c.final_ratio = tail / budget;
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace soak::analysis
