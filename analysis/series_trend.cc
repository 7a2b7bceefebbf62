#include "analysis/series_trend.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "analysis/stats.h"
#include "analysis/warmup.h"
#include "common/units.h"

namespace soak::analysis {

double detectable_excess(double se, double confidence, double power, double n_eff) {
  return (t_quantile(confidence, n_eff) + normal_quantile(power)) * se;
}

double needed_post_warmup_s(double post_s, double excess_now, double target) {
  if (!(target > 0) || !(excess_now > 0) || !(post_s > 0)) return post_s;
  return post_s * std::pow(excess_now / target, 2.0 / 3.0);
}

namespace {
std::vector<double> to_hours(std::span<const double> t) {
  std::vector<double> h(t.size());
  for (size_t i = 0; i < t.size(); ++i) h[i] = t[i] / 3600.0;
  return h;
}

double residual_phi(const Blocks& b) {
  if (b.t.size() < 3) return 0;
  auto x = to_hours(b.t);
  LineFit f = theil_sen(x, b.v);
  std::vector<double> r(b.v.size());
  for (size_t i = 0; i < r.size(); ++i) r[i] = b.v[i] - f.intercept - f.slope * x[i];
  return autocorrelation(r, 1);
}

std::string per_h(double v, std::string_view unit) {
  return format_value(v, unit) + (unit.empty() || unit == "count" ? "/h" : "/h");
}
}  // namespace

SeriesTrend analyze_series(const SeriesData& s, SeriesKind kind, std::string_view unit,
                           const SeriesTrendOptions& o) {
  SeriesTrend r;
  r.signal = signal_for(s.name, kind);
  const double span = std::max(o.end_s - o.start_s, 0.0);
  double block_s = default_block_s(o.interval_s, span);
  // The live heap after each GC (gctrace) is a floor already: one reading per
  // collection, no sawtooth to remove. Blocking it by time would drop most of
  // a leaking heap's readings, since each GC waits for the heap to grow by
  // GOGC and collections thin out exactly when the heap leaks. So it is fitted
  // point by point (block_s = 0), unless there are so many GCs that blocking
  // is needed to bound n.
  const bool per_point = r.signal == Signal::kGcLive && s.t.size() <= kMaxPerPointReadings;
  auto blocks_from = [&](double from) {
    return per_point ? points_from(s.t, s.v, from) : make_blocks(s.t, s.v, from, block_s, r.signal);
  };
  if (per_point) block_s = 0;
  Blocks all = blocks_from(o.start_s);

  // Warm-up.
  const double min_end = o.start_s + o.min_warmup_share * span;
  bool unsettled = false;
  if (o.warmup_s) {
    r.warmup_end_s = o.start_s + *o.warmup_s;
  } else {
    WarmupResult w = detect_warmup(all.t, all.v, min_end, o.start_s + 0.6 * span);
    r.warmup_end_s = w.end_s;
    unsettled = w.end_s > o.start_s + 0.5 * span;
  }

  // Post-warm-up blocks; lengthen blocks while their residuals stay
  // correlated (a cycle longer than the block, DETECTION.md 2.2).
  Blocks post = blocks_from(r.warmup_end_s);
  for (int i = 0; !per_point && i < 4 && post.t.size() >= 40 && residual_phi(post) > 0.5; ++i) {
    block_s *= 2;
    post = make_blocks(s.t, s.v, r.warmup_end_s, block_s, r.signal);
  }
  r.post = post;
  if (post.t.size() < kMinTrendBlocks) {
    r.why_not = per_point
                    ? fmt::format("too little post-warm-up data ({} GC cycles after warm-up ending at {:.0f} s; need {})",
                                  post.t.size(), r.warmup_end_s, kMinJudgeBlocks)
                    : fmt::format("too little post-warm-up data ({} blocks of {:.0f} s after warm-up ending at {:.0f} s; need {})",
                                  post.t.size(), block_s, r.warmup_end_s, kMinJudgeBlocks);
    return r;
  }
  r.has_trend = true;
  auto x = to_hours(post.t);
  r.fit = fit_slope(x, post.v, o.confidence);
  const size_t n = post.t.size();
  if (n >= 15) {
    size_t from = n - n / 3;
    r.tail = fit_slope(std::span<const double>(x).subspan(from),
                       std::span<const double>(post.v).subspan(from), o.confidence);
  }

  Trend& t = r.trend;
  t.slope_per_h = r.fit.slope;
  t.ci_low_per_h = r.fit.ci_two_sided.low;
  t.ci_high_per_h = r.fit.ci_two_sided.high;
  t.method = "theil-sen";
  t.signal = std::string(to_string(r.signal));
  t.ols_slope_per_h = r.fit.ols_slope;
  t.fit_t0_s = r.warmup_end_s;
  t.fit_y0 = r.fit.intercept + r.fit.slope * (r.warmup_end_s / 3600.0);
  t.warmup_end_s = r.warmup_end_s;
  t.block_s = block_s;
  t.n_blocks = static_cast<int>(n);
  t.sigma = r.fit.sigma;
  t.phi = r.fit.phi;
  t.n_eff = r.fit.n_eff;
  t.mds_per_h = detectable_excess(r.fit.se, o.confidence, o.power, r.fit.n_eff);
  t.block_t = post.t;
  t.block_v = post.v;
  if (r.tail) {
    t.tail_slope_per_h = r.tail->slope;
    // Saturation (DETECTION.md 2.6): clear growth overall, but the last
    // third grows at under a quarter of that rate.
    if (r.fit.ci_one_sided.low > 0 && r.tail->slope < r.fit.slope / 4) {
      r.saturating = true;
      t.note = fmt::format("growth slowed from {} to {}: looks like a cache filling up",
                           per_h(r.fit.slope, unit), per_h(r.tail->slope, unit));
    }
  }
  if (kind == SeriesKind::kCounter && t.note.empty())
    t.note = "counter: the slope is its rate, not a leak signal";

  if (unsettled) {
    r.why_not = fmt::format("warm-up did not settle before the middle of the run (it ran to {:.0f} s of {:.0f} s); run longer",
                            r.warmup_end_s - o.start_s, span);
    return r;
  }
  if (n < kMinJudgeBlocks) {
    r.why_not = per_point ? fmt::format("too little post-warm-up data ({} GC cycles; need {})", n, kMinJudgeBlocks)
                          : fmt::format("too little post-warm-up data ({} blocks of {:.0f} s; need {})", n, block_s,
                                        kMinJudgeBlocks);
    return r;
  }
  r.judgeable = true;
  return r;
}

}  // namespace soak::analysis
