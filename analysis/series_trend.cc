#include "analysis/series_trend.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "analysis/mann_kendall.h"
#include "analysis/stats.h"
#include "analysis/verdict_text.h"
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

// Lag-1 autocorrelation of the residuals of the Theil-Sen line through
// points (t in s, v).
double line_residual_phi(std::span<const double> t, std::span<const double> v) {
  if (t.size() < 3) return 0;
  auto x = to_hours(t);
  LineFit f = theil_sen(x, v);
  std::vector<double> r(v.size());
  for (size_t i = 0; i < r.size(); ++i) r[i] = v[i] - f.intercept - f.slope * x[i];
  return autocorrelation(r, 1);
}

// ... of the model the series is judged with: one line over its final
// regime (a step or a knee elsewhere must not read as a cycle longer than
// the block).
double residual_phi(const Blocks& all, double from_s, double to_s, double alpha, bool tails) {
  Regime rg = select_regime(all.t, all.v, from_s, to_s, alpha, tails);
  return line_residual_phi(std::span<const double>(all.t).subspan(rg.first), std::span<const double>(all.v).subspan(rg.first));
}

std::string per_h(double v, std::string_view unit) { return format_amount(v, unit) + "/h"; }
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
  const bool gc_live = r.signal == Signal::kGcLive;
  auto blocks_from = [&](double from) {
    return gc_live ? group_points(s.t, s.v, from, kMaxPerPointReadings)
                   : make_blocks(s.t, s.v, from, block_s, r.signal);
  };
  if (gc_live) block_s = 0;
  Blocks all = blocks_from(o.start_s);

  // Warm-up.
  const double min_end = o.start_s + o.min_warmup_share * span;
  if (o.warmup_s) {
    r.warmup_end_s = std::max(o.start_s, *o.warmup_s);  // seconds since launch, like every t
  } else {
    WarmupResult w = detect_warmup(all.t, all.v, min_end, o.start_s + 0.6 * span);
    r.warmup_end_s = w.end_s;
    // A knee past the middle of the run is no warm-up: a rise that late (a
    // step, a leak that stopped) is what the final-regime windows judge.
    // The minimum warm-up is used and the windows describe the shape.
    if (w.end_s > o.start_s + 0.5 * span) r.warmup_end_s = min_end;
  }

  // Post-warm-up blocks; lengthen blocks while their residuals stay
  // correlated (a cycle longer than the block, DETECTION.md 2.2).
  // The resets after warm-up, found once: the post-warm-up blocks at every
  // length below are cut at them, and the tails rule counts them.
  const std::vector<size_t> post_resets =
      !gc_live && r.signal == Signal::kMin ? find_resets(s.t, s.v, r.warmup_end_s) : std::vector<size_t>{};
  Blocks post = gc_live ? blocks_from(r.warmup_end_s)
                        : make_blocks(s.t, s.v, r.warmup_end_s, block_s, r.signal, &post_resets);
  // A memory floor with a few resets of a cycle (1 to kMinResets - 1 after
  // warm-up) holds cycles too long to read their troughs: a tail window may
  // then be one long ramp, so only the whole window, ramps and drops
  // together, is judged, and it cannot fail. With more resets the blocks
  // start at troughs (make_blocks). Counts have no GC or allocator cycle.
  bool tails = true;
  if (!gc_live && r.signal == Signal::kMin && kind == SeriesKind::kBytes) {
    const size_t resets = post_resets.size();
    tails = resets == 0 || resets >= kMinResets;
    if (!tails) r.unresolved_resets = resets;
  }
  // Never below 2 * kWindows * kMinTailPoints blocks: the tail windows must
  // stay eligible, or a step before them would be judged inside the whole
  // window.
  for (int i = 0; !gc_live && i < 4 && post.t.size() >= 2 * kWindows * kMinTailPoints && residual_phi(post, r.warmup_end_s, std::max(o.end_s, post.t.back()), 1 - o.confidence, tails) > kCorrelatedPhi; ++i) {
    block_s *= 2;
    post = make_blocks(s.t, s.v, r.warmup_end_s, block_s, r.signal, &post_resets);
  }
  r.post = post;
  r.post_end_s = std::max(o.end_s, post.t.empty() ? o.end_s : post.t.back());
  auto why_few = [&](size_t n) {
    return gc_live ? fmt::format("too little post-warm-up data ({} GC cycles after warm-up ending at {:.0f} s; a trend needs {})",
                                   n, r.warmup_end_s, kMinTrendBlocks)
                     : fmt::format("too little post-warm-up data ({} blocks of {:.0f} s after warm-up ending at {:.0f} s; a trend needs {})",
                                   n, block_s, r.warmup_end_s, kMinTrendBlocks);
  };
  if (post.t.size() < kMinTrendBlocks) {
    r.why_not = why_few(post.t.size());
    return r;
  }
  r.has_trend = true;
  const double alpha = 1 - o.confidence;
  r.regime = select_regime(post.t, post.v, r.warmup_end_s, r.post_end_s, alpha, tails);
  const size_t first = r.regime.first;
  // Floor blocks merged in pairs while their residuals stay correlated.
  auto merged = [&](size_t from, std::vector<double>& mt, std::vector<double>& mv) {
    mt.assign(post.t.begin() + static_cast<long>(from), post.t.end());
    mv.assign(post.v.begin() + static_cast<long>(from), post.v.end());
    int merges = 0;
    while (!gc_live && r.signal == Signal::kMin && merges < kMaxRegimeMerges && mt.size() / 2 >= kMinPhiPoints) {
      if (!(line_residual_phi(mt, mv) > kCorrelatedPhi)) break;
      merge_floor_pairs(mt, mv);
      ++merges;
    }
    return merges;
  };
  r.judged_merges = merged(first, r.judged_t, r.judged_v);
  auto x = to_hours(post.t);
  const auto judged_x = to_hours(r.judged_t);
  r.fit = fit_slope(judged_x, r.judged_v, o.confidence);
  const size_t n = post.t.size();
  if (n >= 15) {
    size_t from = n - n / 3;
    r.tail = fit_slope(std::span<const double>(x).subspan(from),
                       std::span<const double>(post.v).subspan(from), o.confidence);
  }
  if (r.regime.window > 0 || r.regime.step || r.regime.since_knee) {
    auto two_digits = [](double v) {  // 29.9 MiB -> 30 MiB: a step's size is not precise to 3 digits
      if (v == 0 || !std::isfinite(v)) return v;
      double e = std::pow(10.0, std::floor(std::log10(std::fabs(v))) - 1);
      return std::round(v / e) * e;
    };
    const double late = std::isfinite(r.regime.late_slope_per_h) ? r.regime.late_slope_per_h : r.fit.slope;
    if (!r.regime.step && r.regime.early_slope_per_h > late && first > 0) {
      r.alt = SeriesTrend::Alt::kWholeAfterSlowdown;
      merged(0, r.alt_t, r.alt_v);
    }
    // The post-warm-up blocks without the one right after the jump (picked
    // for its jump), split there; kept when one slope fits both sides and
    // the data since the step covers >= 1/3 of the span (a shorter stretch
    // cannot show a slope change that the earlier data would then hide).
    const size_t at = r.regime.step_index;
    if (r.regime.since_step && at >= kMinPointsPerSide && at + 1 < n &&
        r.post_end_s - post.t[at + 1] >= (r.post_end_s - r.warmup_end_s) / 3) {
      std::vector<double> at_t = post.t, at_v = post.v;
      at_t.erase(at_t.begin() + static_cast<long>(at));
      at_v.erase(at_v.begin() + static_cast<long>(at));
      if (shift_slope_change_p(at_t, at_v, at) >= kChangeLevel) {
        r.alt = SeriesTrend::Alt::kAcrossStep;
        r.alt_t = std::move(at_t);
        r.alt_v = std::move(at_v);
        r.alt_split = at;
      }
    }
    const std::string when = format_clock(r.regime.change_at_s - o.start_s);
    if (r.regime.step) {
      r.flat_after_step = true;
      double amount = r.regime.step_amount;
      if (unit == "bytes") {  // round in the unit it is shown in
        double scale = std::pow(1024.0, std::floor(std::log(std::max(std::fabs(amount), 1.0)) / std::log(1024.0)));
        amount = two_digits(amount / scale) * scale;
      } else {
        amount = two_digits(amount);
      }
      r.shape = fmt::format("a one-off step of {} at {}", format_amount(amount, unit),
                            format_clock(r.regime.step_at_s - o.start_s));
    } else if (r.regime.early_slope_per_h > 0 && late < r.regime.early_slope_per_h / 4) {
      r.saturating = true;
      r.shape = fmt::format("growth slowed from {} to {} at {}", per_h(r.regime.early_slope_per_h, unit),
                            per_h(late, unit), when);
    } else {
      r.shape = fmt::format("growth is not linear: {} until {}, {} since", per_h(r.regime.early_slope_per_h, unit),
                            when, per_h(late, unit));
    }
  }

  Trend& t = r.trend;
  t.slope_per_h = r.fit.slope;
  t.ci_low_per_h = r.fit.ci_two_sided.low;
  t.ci_high_per_h = r.fit.ci_two_sided.high;
  t.method = "theil-sen";
  t.signal = std::string(to_string(r.signal));
  t.ols_slope_per_h = r.fit.ols_slope;
  t.fit_t0_s = r.judged_t.front();
  t.fit_y0 = r.fit.intercept + r.fit.slope * (r.judged_t.front() / 3600.0);
  t.warmup_end_s = r.warmup_end_s;
  t.block_s = block_s;
  t.n_blocks = static_cast<int>(n);
  t.sigma = r.fit.sigma;
  t.phi = r.fit.phi;
  t.n_eff = r.fit.n_eff;
  if (std::isfinite(r.fit.se) && r.fit.se > 0) t.se_per_h = r.fit.se;
  t.mds_per_h = detectable_excess(r.fit.se, o.confidence, o.power, r.fit.n_eff);
  t.block_t = post.t;
  t.block_v = post.v;
  t.regime = std::string(regime_name(r.regime));
  t.regime_start_s = post.t[first];
  t.regime_windows = r.regime.windows;
  if (r.tail) t.tail_slope_per_h = r.tail->slope;
  t.note = r.shape.empty() ? "" : r.shape + (r.saturating ? ": looks like a cache filling up" : "");
  if (kind == SeriesKind::kCounter && t.note.empty())
    t.note = "counter: the slope is its rate, not a leak signal";

  r.judgeable = true;
  return r;
}

size_t min_points_for(double alpha) {
  for (size_t n = 3; n <= kExactMaxN; ++n)
    if (mk_exact_critical(n, alpha) <= static_cast<double>(n * (n - 1) / 2)) return n;
  return kExactMaxN + 1;
}

RegimeFit fit_regime(const SeriesTrend& tr, double fail_alpha, double pass_alpha) {
  RegimeFit f;
  auto x = to_hours(tr.judged_t);
  std::span<const double> y = tr.judged_v;
  f.n = x.size();
  // Since a slowdown, the window was chosen by the data among the whole one
  // and the one since the knee: both bounds at half the level (Regime::since_knee
  // says why that is a measured choice, not an exact correction).
  const double looks = tr.regime.since_knee ? 2 : 1;
  f.fail_alpha = fail_alpha / std::max(tr.regime.windows, 1) / looks;
  f.fail_fit = fit_slope(x, y, 1 - f.fail_alpha);
  f.pass_fit = fit_slope(x, y, 1 - pass_alpha / looks, IntervalUse::kPass);
  const auto ax = to_hours(tr.alt_t);
  if (tr.alt == SeriesTrend::Alt::kWholeAfterSlowdown) {
    f.alt_pass_fit = fit_slope(ax, tr.alt_v, 1 - pass_alpha / looks, IntervalUse::kPass);
    f.alt_fail_fit = fit_slope(ax, tr.alt_v, 1 - f.fail_alpha);
  } else if (tr.alt == SeriesTrend::Alt::kAcrossStep) {
    f.alt_pass_fit = fit_slope_across_shift(ax, tr.alt_v, tr.alt_split, 1 - pass_alpha / looks, IntervalUse::kPass);
    f.alt_fail_fit = fit_slope_across_shift(ax, tr.alt_v, tr.alt_split, 1 - f.fail_alpha);
  }
  return f;
}

}  // namespace soak::analysis
