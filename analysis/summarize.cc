#include "analysis/summarize.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "analysis/endurance.h"
#include "analysis/series_trend.h"
#include "analysis/slope_fit.h"
#include "analysis/verdict_text.h"
#include "common/series.h"

namespace soak {

using analysis::SeriesTrend;

namespace {

std::string per_text(BudgetPer p) { return std::string(to_string(p)); }

// Linear interpolation of a monotone counter at time `t`; nullopt outside its range.
std::optional<double> interpolate(const SeriesData& s, double t) {
  if (s.t.empty() || t < s.t.front() || t > s.t.back()) return std::nullopt;
  auto it = std::lower_bound(s.t.begin(), s.t.end(), t);
  size_t j = static_cast<size_t>(it - s.t.begin());
  if (j == 0) return s.v[0];
  double t0 = s.t[j - 1], t1 = s.t[j];
  if (t1 == t0) return s.v[j];
  return s.v[j - 1] + (s.v[j] - s.v[j - 1]) * (t - t0) / (t1 - t0);
}

void judge_level(const Budget& b, const SeriesData& s, const std::string& unit, BudgetResult& r) {
  r.kind = "level";
  if (s.v.empty()) {
    r.verdict = Verdict::kInconclusive;
    r.reason = fmt::format("inconclusive: no samples of {}", s.name);
    return;
  }
  double mx = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < s.v.size(); ++i) {
    mx = std::max(mx, s.v[i]);
    if (!r.at_s && s.v[i] > b.limit) r.at_s = s.t[i];
  }
  r.observed = mx;
  if (r.at_s) {
    r.verdict = Verdict::kFail;
    r.reason = fmt::format("max {} exceeds limit {} (first at {:.0f} s)", analysis::format_amount(mx, unit),
                           analysis::format_amount(b.limit, unit), *r.at_s);
  } else {
    r.verdict = Verdict::kPass;
    r.reason = fmt::format("max {} within limit {}", analysis::format_amount(mx, unit),
                           analysis::format_amount(b.limit, unit));
  }
}

// The model a budget was decided with when that is a second model
// (SeriesTrend::Alt): the series' trend then shows its figures, so that the
// slope, the interval and the line agree with the budget row.
struct ShownModel {
  double slope_per_h = 0, se_per_h = 0, t0_s = 0, y0 = 0, start_s = 0;
  std::string regime;
};

struct SlopeInputs {
  analysis::SlopeFit fail_fit;   // lower bound at fail_alpha (one-sided)
  analysis::SlopeFit pass_fit;   // upper bound at pass_alpha (one-sided)
  double fail_alpha = 0.01;      // per window (the budget's alpha / windows)
  double budget_alpha = 0.01;    // the budget's Holm level
  double pass_alpha = 0.01;
  double post_s = 0;             // post-warm-up duration covered
  double judged_s = 0;           // ... of it, the regime's (from its start to the end)
  double warmup_end_s = 0;
  double start_s = 0;            // run start, for clock times
  size_t n = 0;                  // points judged
  std::string window = "whole";  // the regime's window (regime_name)
  bool since_step = false;       // ... judged since a step (Regime::since_step)
  bool since_knee = false;       // ... since a slowdown (Regime::since_knee)
  std::string shape;             // what came before the regime, if anything
  analysis::SeriesTrend::Alt alt = analysis::SeriesTrend::Alt::kNone;  // a second model that may pass
  std::optional<analysis::SlopeFit> alt_pass_fit, alt_fail_fit;        // RegimeFit's
  double alt_t0_s = 0;                                                  // where its line starts
  double alt_start_s = 0;                                               // its first point
  bool step = false;
  size_t unresolved_resets = 0;  // SeriesTrend::unresolved_resets: no fail
};

// The three-valued verdict of a slope against `limit` (DETECTION.md 2.5, 7):
// fail when the one-sided lower bound at the budget's level (split over the
// regime windows) is above the budget, pass when the one-sided upper bound
// at 1 - confidence is at or below it (or a second model's is, see
// SeriesTrend::Alt), else inconclusive. `shown` receives the second model
// that passed, if one did.
void judge_slope(const SlopeInputs& in, double limit, const std::string& unit, const std::string& per,
                 BudgetResult& r, std::optional<ShownModel>* shown = nullptr) {
  const double inf = std::numeric_limits<double>::infinity();
  const auto& f = in.fail_fit;
  const double low = f.ci_one_sided.low, high = in.pass_fit.ci_one_sided.high;
  r.observed = f.slope;
  r.ci_low = std::isfinite(low) ? std::optional<double>(low) : std::nullopt;
  r.ci_high = std::isfinite(high) ? std::optional<double>(high) : std::nullopt;
  r.alpha = in.budget_alpha;
  double se = f.se;
  const double excess = analysis::detectable_excess(se, 1 - in.fail_alpha, 0.95, f.n_eff);
  r.mds = std::isfinite(excess) ? std::optional<double>(limit + excess) : std::nullopt;
  // The run that would resolve the budget: detectable excess down to the
  // budget itself (to the observed slope when the budget is zero).
  double target = limit > 0 ? limit : std::fabs(f.slope);
  // A tail window is a share of the run and grows with it; the span since a
  // step or a slowdown grows only by the time added.
  auto needed_post = [&](double excess_now, double to) {
    if (!(in.since_step || in.since_knee) || !(in.judged_s > 0) || in.judged_s >= in.post_s)
      return analysis::needed_post_warmup_s(in.post_s, excess_now, to);
    return in.post_s - in.judged_s + analysis::needed_post_warmup_s(in.judged_s, excess_now, to);
  };
  double post_needed = needed_post(excess, target);
  // A run that resolves that already and is still undecided has a slope
  // too close to the budget: the run that would decide is the one whose
  // bound on that side shrinks to the slope's distance from the budget, if
  // the slope stays where it is (bounds shrink as T^-1.5, like the MDS).
  // Never "a run as long as this one would resolve it".
  const bool precise = std::isfinite(excess) && excess > 0 && post_needed <= in.post_s;
  const double gap = std::fabs(f.slope - limit);
  const double half = f.slope < limit ? high - f.slope : f.slope - low;
  if (precise) {
    if (gap > 0 && std::isfinite(half) && half > gap)
      r.needed_s = in.warmup_end_s - in.start_s + needed_post(half, gap);
  } else if (target > 0 && std::isfinite(excess) && excess > 0) {
    r.needed_s = in.warmup_end_s - in.start_s + std::max(post_needed, in.post_s);
  }
  const std::string range = analysis::format_rate_interval(f.slope, std::isfinite(low) ? low : -inf,
                                                           std::isfinite(high) ? high : inf, unit, per);
  const std::string budget = analysis::format_amount(limit, unit) + "/" + per;
  // Where the slope was judged, for the reasons: nothing for the whole
  // window, " over the last 1/2"; since a step, the step's own wording
  // ("flat since", "then growth") says it, except in an inconclusive lead.
  const std::string since = in.window == "whole" || in.since_step ? ""
                            : in.since_knee                      ? " " + in.window
                                                                 : " over the " + in.window;
  const std::string judged = in.since_step ? " " + in.window : since;
  if (low > limit && in.unresolved_resets > 0) {
    r.verdict = Verdict::kInconclusive;
    r.reason = fmt::format("inconclusive: slope {} but the series dropped back {} time{} (a GC or allocator cycle "
                           "about as long as the run?): too few cycles to tell a leak from their ramps",
                           range, in.unresolved_resets, in.unresolved_resets == 1 ? "" : "s");
    return;
  }
  if (low > limit) {
    r.verdict = Verdict::kFail;
    r.reason = in.shape.empty() ? fmt::format("slope {} exceeds budget {}", range, budget)
                : in.step ? fmt::format("{}, then growth: slope {}{} exceeds budget {}", in.shape, range, since, budget)
                          : fmt::format("{}: slope {}{} exceeds budget {}", in.shape, range, since, budget);
    return;
  }
  if (high <= limit) {
    r.verdict = Verdict::kPass;
    r.reason = in.shape.empty() ? fmt::format("slope {} within budget {}", range, budget)
               : in.step   ? fmt::format("{}, flat since: slope {}{} within budget {}", in.shape, range, since, budget)
                           : fmt::format("{}: slope {}{} within budget {}", in.shape, range, since, budget);
    return;
  }
  // A second model (SeriesTrend::Alt) passes: growth slowed, so the whole
  // window's slope bounds the final regime's; or one slope fits both sides
  // of the step.
  // Only when the final regime's own slope is within the budget: a pooled
  // model must not pass a final regime that reads above it by itself.
  const bool whole = in.alt == analysis::SeriesTrend::Alt::kWholeAfterSlowdown;
  if (in.alt_pass_fit && in.alt_fail_fit && in.alt_pass_fit->ci_one_sided.high <= limit && f.slope <= limit) {
    const auto& w = *in.alt_fail_fit;
    const double wl = w.ci_one_sided.low, wh = in.alt_pass_fit->ci_one_sided.high;
    r.verdict = Verdict::kPass;
    r.observed = w.slope;
    r.ci_low = std::isfinite(wl) ? std::optional<double>(wl) : std::nullopt;
    r.ci_high = wh;
    const double alt_excess = analysis::detectable_excess(w.se, 1 - in.fail_alpha, 0.95, w.n_eff);
    r.mds = std::isfinite(alt_excess) ? std::optional<double>(limit + alt_excess) : std::nullopt;
    r.needed_s = std::nullopt;
    const std::string alt_range = analysis::format_rate_interval(w.slope, std::isfinite(wl) ? wl : -inf, wh, unit, per);
    r.reason = whole ? fmt::format("{}: slope {} over the whole window after warm-up, which bounds the final regime's "
                                   "once growth slows, within budget {}",
                                   in.shape, alt_range, budget)
                     : fmt::format("{}, flat since: one slope on both sides of the step, {}, within budget {}", in.shape,
                                   alt_range, budget);
    if (shown)
      *shown = ShownModel{w.slope, w.se, in.alt_t0_s, w.intercept + w.slope * (in.alt_t0_s / 3600.0), in.alt_start_s,
                          whole ? "whole" : "across the step"};
    return;
  }
  r.verdict = Verdict::kInconclusive;
  const std::string lead = in.shape.empty() ? "" : in.shape + "; judged" + judged + ": ";
  // Too few points for the exact test to ever reject: no lower bound (the
  // pass bound, a t interval under 10 points, may still be finite).
  if (!std::isfinite(low)) {
    const std::string above = std::isfinite(high) ? fmt::format("slope {}, at most {}: not within budget {}, and ",
                                                                analysis::format_amount(f.slope, unit) + "/" + per,
                                                                analysis::format_amount(high, unit) + "/" + per, budget)
                                                  : "";
    r.reason = fmt::format("inconclusive: {}{}{} points{} can never show a trend at level {:.2g} (the exact test needs {})",
                           lead, above, in.n, in.since_step || in.since_knee ? judged : since.empty() ? " after warm-up" : " in the " + in.window, in.fail_alpha,
                           analysis::min_points_for(in.fail_alpha));
    return;
  }
  if (!r.mds) {
    r.reason = fmt::format("inconclusive: {}slope {} against budget {}", lead, range, budget);
    return;
  }
  std::string mds = analysis::format_amount(*r.mds, unit) + "/" + per;
  if (precise) {
    r.reason = fmt::format("inconclusive: {}slope {} is too close to budget {} to decide", lead, range, budget);
    if (r.needed_s)
      r.reason += fmt::format(" (this run could detect slopes above {}; {} would decide it if the slope stays at {})",
                              mds, analysis::format_about(*r.needed_s), analysis::format_amount(f.slope, unit) + "/" + per);
    return;
  }
  if (r.needed_s)
    r.reason = fmt::format("inconclusive: {}this run could only detect slopes above {}; {} would resolve {}", lead, mds,
                           analysis::format_about(*r.needed_s), analysis::format_amount(target, unit) + "/" + per);
  else
    r.reason = fmt::format("inconclusive: {}slope {} against budget {}; this run could only detect slopes above {}",
                           lead, range, budget, mds);
}

}  // namespace

Judgement judge_run(const RunData& data, const std::vector<Budget>& budgets, const AnalysisOptions& options) {
  Judgement j;
  double start = std::numeric_limits<double>::infinity(), last = -start;
  for (const auto& s : data.series)
    if (!s.t.empty()) {
      start = std::min(start, s.t.front());
      last = std::max(last, s.t.back());
    }
  if (!std::isfinite(start)) start = last = 0;
  analysis::SeriesTrendOptions so;
  so.confidence = options.confidence;
  so.warmup_s = options.warmup_s;
  so.min_warmup_share = options.min_warmup_share;
  so.start_s = start;
  so.end_s = options.end_s ? std::max(*options.end_s, start) : last;
  so.interval_s = data.interval_s();

  std::map<std::string, SeriesTrend> trends;
  for (const auto& s : data.series) {
    SeriesSummary ss;
    ss.name = s.name;
    ss.unit = series_unit(s.name);
    ss.count = s.v.size();
    if (!s.v.empty()) {
      ss.first = s.v.front();
      ss.last = s.v.back();
      auto [mn, mx] = std::minmax_element(s.v.begin(), s.v.end());
      ss.min = *mn;
      ss.max = *mx;
    }
    SeriesTrend tr = analysis::analyze_series(s, series_kind(s.name), ss.unit, so);
    if (tr.has_trend) ss.trend = tr.trend;
    trends.emplace(s.name, std::move(tr));
    j.series.push_back(std::move(ss));
  }

  auto available = [&](std::string_view name) {
    const SeriesData* s = data.find(name);
    return s && !s->v.empty();
  };
  // Endurance (analysis/endurance.h): every series with a known limit gets
  // its time to limit; endurance budgets are judged from it.
  std::map<std::string, std::optional<TimeToLimit>> ttls = analysis::times_to_limit(data, trends, budgets, available);
  for (auto& ss : j.series) ss.time_to_limit = ttls[ss.name];

  std::optional<std::string> main_series;
  // Slope budgets that can be judged: each is a function from its level to
  // its inputs, judged below under Holm-Bonferroni across the run.
  struct Pending {
    size_t index;  // into j.budgets
    double limit;
    std::string unit, per;
    std::function<SlopeInputs(double budget_alpha)> inputs;
  };
  std::vector<Pending> pending;
  const double pass_alpha = 1 - options.confidence;
  for (const auto& b : budgets) {
    BudgetResult r;
    r.spec = b.spec;
    r.kind = b.kind == BudgetKind::kSlope ? "slope" : b.kind == BudgetKind::kLevel ? "level" : "endurance";
    r.limit = b.limit;
    if (b.kind == BudgetKind::kSlope) r.per = per_text(b.per);
    if (is_alias(b.target)) r.alias = b.target;
    auto cands = budget_candidates(b.target);
    if (!cands.empty()) r.series = cands.front();
    auto resolved = resolve_budget_target(b.target, available);
    if (!resolved.ok()) {
      r.verdict = Verdict::kInconclusive;
      r.reason = fmt::format("inconclusive: no data: {}", resolved.message());
      j.budgets.push_back(std::move(r));
      continue;
    }
    r.series = *resolved;
    const SeriesData& s = *data.find(r.series);
    const std::string unit = series_unit(r.series);
    if (b.kind == BudgetKind::kLevel) {
      judge_level(b, s, unit, r);
      j.budgets.push_back(std::move(r));
      continue;
    }
    if (b.kind == BudgetKind::kEndurance) {
      analysis::judge_endurance_budget(b, r.series, unit, trends.at(r.series), ttls[r.series], r);
      j.budgets.push_back(std::move(r));
      continue;
    }
    if (!main_series) main_series = r.series;
    const SeriesTrend& tr = trends.at(r.series);
    if (!tr.judgeable) {
      r.verdict = Verdict::kInconclusive;
      r.reason = "inconclusive: " + (tr.why_not.empty() ? std::string("not enough data") : tr.why_not);
      if (tr.has_trend) r.observed = b.per_request() ? std::nullopt : std::optional<double>(tr.fit.slope);
      j.budgets.push_back(std::move(r));
      continue;
    }
    SlopeInputs base;
    base.warmup_end_s = tr.warmup_end_s;
    base.start_s = start;
    base.pass_alpha = pass_alpha;
    base.post_s = tr.post.t.empty() ? 0 : tr.post_end_s - tr.warmup_end_s;
    base.judged_s = tr.judged_t.empty() ? 0 : tr.post_end_s - tr.regime.start_s;
    if (!b.per_request()) {
      base.window = std::string(analysis::regime_name(tr.regime));
      base.since_step = tr.regime.since_step;
      base.since_knee = tr.regime.since_knee;
      base.shape = tr.shape;
      base.step = tr.flat_after_step;
      base.unresolved_resets = tr.unresolved_resets;
      base.alt = tr.alt;
      if (!tr.alt_t.empty()) {  // the second model's points and where its line starts (after the step)
        base.alt_start_s = tr.alt_t.front();
        base.alt_t0_s = tr.alt == analysis::SeriesTrend::Alt::kAcrossStep
                            ? tr.alt_t[std::min(tr.alt_split, tr.alt_t.size() - 1)]
                            : tr.alt_t.front();
      }
      const SeriesTrend* trp = &tr;
      pending.push_back({j.budgets.size(), b.limit_per_hour(), unit, "h", [base, trp, pass_alpha](double a) {
                           SlopeInputs in = base;
                           auto rf = analysis::fit_regime(*trp, a, pass_alpha);
                           in.fail_fit = rf.fail_fit;
                           in.pass_fit = rf.pass_fit;
                           in.fail_alpha = rf.fail_alpha;
                           in.budget_alpha = a;
                           in.n = rf.n;
                           in.alt_pass_fit = rf.alt_pass_fit;
                           in.alt_fail_fit = rf.alt_fail_fit;
                           return in;
                         }});
      j.budgets.push_back(std::move(r));
      continue;
    }
    // Per request: regress the block signal on the completed-request count
    // interpolated at the block times (the whole post-warm-up window).
    const SeriesData* req = data.find("requests");
    if (!req || req->v.empty()) {
      r.verdict = Verdict::kInconclusive;
      r.reason = "inconclusive: a per-request budget needs the requests series of the built-in HTTP workload; none was recorded";
      j.budgets.push_back(std::move(r));
      continue;
    }
    std::vector<double> x, y;
    for (size_t i = 0; i < tr.post.t.size(); ++i)
      if (auto q = interpolate(*req, tr.post.t[i])) {
        x.push_back(*q);
        y.push_back(tr.post.v[i]);
      }
    if (x.size() < analysis::kMinTrendBlocks || x.back() <= x.front()) {
      r.verdict = Verdict::kInconclusive;
      r.reason = fmt::format("inconclusive: too few requests after warm-up to regress {} on ({} blocks, {:.0f} requests)",
                             r.series, x.size(), x.empty() ? 0.0 : x.back() - x.front());
      j.budgets.push_back(std::move(r));
      continue;
    }
    pending.push_back({j.budgets.size(), b.limit, unit, "req", [base, x, y, pass_alpha](double a) {
                         SlopeInputs in = base;
                         in.fail_fit = analysis::fit_slope(x, y, 1 - a);
                         in.pass_fit = analysis::fit_slope(x, y, 1 - pass_alpha, analysis::IntervalUse::kPass);
                         in.fail_alpha = in.budget_alpha = a;
                         in.n = x.size();
                         return in;
                       }});
    j.budgets.push_back(std::move(r));
  }

  // One run, one false-alarm rate: Holm-Bonferroni over the judgeable slope
  // budgets (Holm 1979). With r fails so far, every remaining budget is
  // judged at alpha / (m - r); a new fail releases level to the rest. Fails
  // are nested in the level, so rejecting all below the threshold at once is
  // the same as Holm's one-at-a-time step-down.
  const double family_alpha = options.fail_alpha ? *options.fail_alpha : 1 - options.confidence;
  std::vector<bool> done(pending.size(), false);
  std::vector<std::optional<ShownModel>> shown(pending.size());
  size_t failed = 0;
  while (failed < pending.size()) {
    const double level = family_alpha / static_cast<double>(pending.size() - failed);
    size_t new_fails = 0;
    for (size_t k = 0; k < pending.size(); ++k) {
      if (done[k]) continue;
      BudgetResult& r = j.budgets[pending[k].index];
      shown[k].reset();
      judge_slope(pending[k].inputs(level), pending[k].limit, pending[k].unit, pending[k].per, r, &shown[k]);
      if (r.verdict == Verdict::kFail) {
        done[k] = true;
        ++new_fails;
      }
    }
    failed += new_fails;
    if (new_fails == 0) break;
  }

  // One series, one interval: a budgeted series' trend shows the bounds its
  // (first) budget was judged with.
  for (size_t k = 0; k < pending.size(); ++k) {
    const auto& p = pending[k];
    const BudgetResult& r = j.budgets[p.index];
    if (p.per != "h") continue;
    for (auto& ss : j.series)
      if (ss.name == r.series && ss.trend && !ss.trend->budget_alpha) {
        ss.trend->ci_low_per_h = r.ci_low ? *r.ci_low : -std::numeric_limits<double>::infinity();
        ss.trend->ci_high_per_h = r.ci_high ? *r.ci_high : std::numeric_limits<double>::infinity();
        ss.trend->budget_alpha = r.alpha;
        if (r.mds) ss.trend->mds_per_h = *r.mds - r.limit;
        if (const auto& m = shown[k]) {  // decided by a second model: its slope and line
          ss.trend->slope_per_h = m->slope_per_h;
          if (std::isfinite(m->se_per_h) && m->se_per_h > 0) ss.trend->se_per_h = m->se_per_h;
          ss.trend->fit_t0_s = m->t0_s;
          ss.trend->fit_y0 = m->y0;
          ss.trend->regime = m->regime;
          ss.trend->regime_start_s = m->start_s;
        }
      }
  }

  if (!main_series) {
    if (trends.count("rss_bytes")) main_series = "rss_bytes";
    else if (!data.series.empty()) main_series = data.series.front().name;
  }
  if (options.warmup_s) {
    j.warmup_s = *options.warmup_s;
  } else if (main_series && trends.count(*main_series)) {
    j.warmup_s = trends.at(*main_series).warmup_end_s;
  }
  for (const auto& [name, tr] : trends)
    if (tr.saturating) j.warnings.push_back(fmt::format("{}: {}", name, tr.trend.note));
  return j;
}

}  // namespace soak
