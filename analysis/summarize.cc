#include "analysis/summarize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <fmt/format.h>

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

struct SlopeInputs {
  analysis::SlopeFit fit;
  double post_s = 0;       // post-warm-up duration covered
  double warmup_end_s = 0;
  std::optional<double> tail_slope;
  bool saturating = false;
};

// The three-valued verdict of a slope against `limit` (DETECTION.md 2.5):
// fail when the one-sided lower bound is above the budget, pass when the
// one-sided upper bound is at or below it, else inconclusive.
void judge_slope(const SlopeInputs& in, double limit, const std::string& unit, const std::string& per,
                 const AnalysisOptions& o, BudgetResult& r) {
  const auto& f = in.fit;
  r.observed = f.slope;
  r.ci_low = f.ci_one_sided.low;
  r.ci_high = f.ci_one_sided.high;
  const double excess = analysis::detectable_excess(f.se, o.confidence, 0.95, f.n_eff);
  r.mds = limit + excess;
  // The run that would resolve the budget: detectable excess down to the
  // budget itself (to the observed slope when the budget is zero).
  double target = limit > 0 ? limit : std::fabs(f.slope);
  double post_needed = analysis::needed_post_warmup_s(in.post_s, excess, target);
  if (target > 0 && std::isfinite(excess)) r.needed_s = in.warmup_end_s + std::max(post_needed, in.post_s);
  const std::string range = analysis::format_rate_interval(f.slope, f.ci_one_sided.low, f.ci_one_sided.high, unit, per);
  const std::string budget = analysis::format_amount(limit, unit) + "/" + per;
  if (f.ci_one_sided.low > limit) {
    if (in.tail_slope && *in.tail_slope <= limit) {
      // The tail disagrees: a curve that is flattening is not judged a leak.
      r.verdict = Verdict::kInconclusive;
      r.reason = fmt::format("inconclusive: slope {} exceeds budget {} but growth slowed to {}/{} in the last third: looks like a cache filling up; run longer",
                             range, budget, analysis::format_amount(*in.tail_slope, unit), per);
      return;
    }
    r.verdict = Verdict::kFail;
    r.reason = fmt::format("slope {} exceeds budget {}", range, budget);
    return;
  }
  if (f.ci_one_sided.high <= limit) {
    r.verdict = Verdict::kPass;
    r.reason = fmt::format("slope {} within budget {}", range, budget);
    return;
  }
  r.verdict = Verdict::kInconclusive;
  std::string mds = analysis::format_amount(*r.mds, unit) + "/" + per;
  if (r.needed_s)
    r.reason = fmt::format("inconclusive: this run could only detect slopes above {}; {} would resolve {}", mds,
                           analysis::format_about(*r.needed_s),
                           analysis::format_amount(target, unit) + "/" + per);
  else
    r.reason = fmt::format("inconclusive: slope {} against budget {}; this run could only detect slopes above {}",
                           range, budget, mds);
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
  std::optional<std::string> main_series;
  for (const auto& b : budgets) {
    BudgetResult r;
    r.spec = b.spec;
    r.kind = b.kind == BudgetKind::kSlope ? "slope" : "level";
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
    if (!main_series) main_series = r.series;
    const SeriesTrend& tr = trends.at(r.series);
    if (!tr.judgeable) {
      r.verdict = Verdict::kInconclusive;
      r.reason = "inconclusive: " + (tr.why_not.empty() ? std::string("not enough data") : tr.why_not);
      if (tr.has_trend) r.observed = b.per_request() ? std::nullopt : std::optional<double>(tr.fit.slope);
      j.budgets.push_back(std::move(r));
      continue;
    }
    SlopeInputs in;
    in.warmup_end_s = tr.warmup_end_s;
    in.post_s = tr.post.t.empty() ? 0 : tr.post.t.back() - tr.warmup_end_s;
    if (!b.per_request()) {
      in.fit = tr.fit;
      if (tr.tail) in.tail_slope = tr.tail->slope;
      in.saturating = tr.saturating;
      judge_slope(in, b.limit_per_hour(), unit, "h", options, r);
      j.budgets.push_back(std::move(r));
      continue;
    }
    // Per request: regress the block signal on the completed-request count
    // interpolated at the block times.
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
    if (x.size() < analysis::kMinJudgeBlocks || x.back() <= x.front()) {
      r.verdict = Verdict::kInconclusive;
      r.reason = fmt::format("inconclusive: too few requests after warm-up to regress {} on ({} blocks, {:.0f} requests)",
                             r.series, x.size(), x.empty() ? 0.0 : x.back() - x.front());
      j.budgets.push_back(std::move(r));
      continue;
    }
    in.fit = analysis::fit_slope(x, y, options.confidence);
    if (x.size() >= 15) {
      size_t from = x.size() - x.size() / 3;
      auto tail = analysis::fit_slope(std::span<const double>(x).subspan(from),
                                      std::span<const double>(y).subspan(from), options.confidence);
      in.tail_slope = tail.slope;
    }
    judge_slope(in, b.limit, unit, "req", options, r);
    j.budgets.push_back(std::move(r));
  }

  if (!main_series) {
    if (trends.count("rss_bytes")) main_series = "rss_bytes";
    else if (!data.series.empty()) main_series = data.series.front().name;
  }
  if (options.warmup_s) {
    j.warmup_s = *options.warmup_s;
  } else if (main_series && trends.count(*main_series)) {
    j.warmup_s = trends.at(*main_series).warmup_end_s - start;
  }
  for (const auto& [name, tr] : trends)
    if (tr.saturating) j.warnings.push_back(fmt::format("{}: {}", name, tr.trend.note));
  return j;
}

}  // namespace soak
