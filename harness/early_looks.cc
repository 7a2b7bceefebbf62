#include "harness/early_looks.h"

#include <algorithm>
#include <cmath>

#include "analysis/blocks.h"
#include "analysis/early.h"
#include "analysis/theil_sen.h"
#include "common/series.h"

namespace soak {

LookPlan plan_looks(Duration duration, std::optional<Duration> warmup) {
  const double total = to_seconds(duration);
  if (total <= 0) return {};
  LookPlan p;
  p.warmup_s = warmup ? std::clamp(to_seconds(*warmup), 0.0, total) : kAutoWarmupShare * total;
  const double window = total - p.warmup_s;
  if (window <= 0) return p;  // no looks
  p.every_s = std::max(std::min(60.0, window / 4), window / 20);
  // The last look is the end (tolerate rounding of window/every).
  p.planned = static_cast<int>(std::ceil(window / p.every_s - 1e-9));
  return p;
}

AnalysisOptions look_options(const LookPlan& plan, int k, double confidence, std::optional<Duration> warmup,
                             double ready_s, double first_sample_s, double now_s) {
  AnalysisOptions o;
  // The early looks (1..K-1) spend kEarlyAlphaShare of alpha, Pocock-shaped;
  // the final judgement's fails keep the rest (final_look_fail_alpha).
  const double alpha = std::clamp(1.0 - confidence, 0.0, 1.0);
  o.confidence = early_look_confidence(k, std::max(plan.planned - 1, 1), 1.0 - kEarlyAlphaShare * alpha);
  o.end_s = now_s;
  if (warmup) {
    o.warmup_s = ready_s + to_seconds(*warmup);
  } else {
    // min_warmup_share is a share of the data so far: make the floor the
    // floor as the final judgement's 10 % of the whole run (give or
    // take the time to ready).
    const double span = now_s - first_sample_s;
    const double floor_s = ready_s + plan.warmup_s;
    if (span > 0) o.min_warmup_share = std::clamp((floor_s - first_sample_s) / span, o.min_warmup_share, 1.0);
  }
  return o;
}

bool early_stop_allowed(const SeriesData& s, double warmup_end_s, double now_s, std::string* why) {
  const double span = now_s - warmup_end_s;
  const bool memory = series_kind(s.name) == SeriesKind::kBytes;
  if (memory && span < kMinEarlyStopSpanS) {
    if (why) *why = "only " + std::to_string(static_cast<int>(span)) + " s after warm-up";
    return false;
  }
  const size_t resets = memory ? analysis::find_resets(s.t, s.v, warmup_end_s).size() : 0;
  if (resets > 0 && resets < analysis::kMinResets) {
    if (why) *why = std::to_string(resets) + " reset(s) of a cycle seen, too few to read its troughs";
    return false;
  }
  return true;
}

bool growth_slowing(std::span<const double> t, std::span<const double> v, std::string* why) {
  const size_t n = std::min(t.size(), v.size());
  if (n < 6) return false;
  const double mid = (t[0] + t[n - 1]) / 2;
  const size_t cut = static_cast<size_t>(std::upper_bound(t.begin(), t.begin() + n, mid) - t.begin());
  if (cut < 3 || n - cut < 3) return false;
  const double early = analysis::theil_sen(t.subspan(0, cut), v.subspan(0, cut)).slope;
  const double late = analysis::theil_sen(t.subspan(cut, n - cut), v.subspan(cut, n - cut)).slope;
  if (!(early > 0) || !(late < kSlowingShare * early)) return false;
  if (why) *why = "growth slowing (the later half rises at " + std::to_string(static_cast<int>(std::round(100 * late / early))) +
                  " % of the earlier half's rate)";
  return true;
}

bool early_fail_stops(const RunData& data, const Judgement& j, const BudgetResult& b, double now_s, std::string* why) {
  const SeriesData* s = data.find(b.series);
  if (!s) return true;
  double warmup_end = j.warmup_s.value_or(0);
  const Trend* trend = nullptr;
  for (const auto& ss : j.series)
    if (ss.name == b.series && ss.trend) {
      warmup_end = ss.trend->warmup_end_s;
      trend = &*ss.trend;
    }
  if (!early_stop_allowed(*s, warmup_end, now_s, why)) return false;
  return !(trend && growth_slowing(trend->block_t, trend->block_v, why));
}

double alpha_left(double confidence, double spent) {
  // Never a level so small that a quantile overflows (as early_look_confidence).
  return std::max(std::clamp(1.0 - confidence, 0.0, 1.0) - spent, 1e-12);
}

std::optional<double> final_look_fail_alpha(const RunData& data, double confidence) {
  double spent = 0;
  for (const auto& e : data.events) {
    if (e.event != "early_look") continue;
    auto it = e.fields.find("confidence");
    if (it != e.fields.end() && it->is_number()) spent += std::clamp(1.0 - it->get<double>(), 0.0, 1.0);
  }
  if (spent <= 0) return std::nullopt;
  return alpha_left(confidence, spent);
}

}  // namespace soak
