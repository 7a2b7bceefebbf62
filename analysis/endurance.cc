#include "analysis/endurance.h"

#include <cmath>

#include <fmt/format.h>

#include "analysis/verdict_text.h"
#include "common/series.h"

namespace soak {

nlohmann::json to_json(const SeriesLimits& l) {
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  return nlohmann::json{{"memory_bytes", opt(l.memory_bytes)},
                        {"gomemlimit_bytes", opt(l.gomemlimit_bytes)},
                        {"nofile", opt(l.nofile)}};
}

SeriesLimits limits_from_run_json(const nlohmann::json& run) {
  SeriesLimits l;
  if (!run.is_object()) return l;
  auto it = run.find("limits");
  if (it == run.end() || !it->is_object()) return l;
  auto get = [&](const char* key, std::optional<double>& out) {
    auto v = it->find(key);
    if (v != it->end() && v->is_number() && v->get<double>() > 0) out = v->get<double>();
  };
  get("memory_bytes", l.memory_bytes);
  get("gomemlimit_bytes", l.gomemlimit_bytes);
  get("nofile", l.nofile);
  return l;
}

namespace analysis {

bool is_memory_series(std::string_view s) {
  return s == "rss_bytes" || s == "rss_anon_bytes" || s == "pss_bytes" || s == "heap_bytes" ||
         s == "cgroup_memory_bytes" || is_go_heap_series(s);
}

bool is_go_heap_series(std::string_view s) { return s == "go_heap_live_bytes" || s == "go_heap_alloc_bytes"; }

std::optional<KnownLimit> limit_for(std::string_view series,
                                    const std::vector<std::tuple<std::string, double, std::string>>& level_budgets,
                                    const SeriesLimits& limits) {
  for (const auto& [s, limit, spec] : level_budgets)
    if (s == series) return KnownLimit{limit, spec};
  if (is_memory_series(series) && limits.memory_bytes) return KnownLimit{*limits.memory_bytes, "--memory-limit"};
  if (is_go_heap_series(series) && limits.gomemlimit_bytes) return KnownLimit{*limits.gomemlimit_bytes, "GOMEMLIMIT"};
  if (series == "fds" && limits.nofile) return KnownLimit{*limits.nofile, "RLIMIT_NOFILE"};
  return std::nullopt;
}

TimeToLimit time_to_limit(double limit, double level, double slope_per_h, double low_per_h, double high_per_h) {
  TimeToLimit t;
  t.limit = limit;
  t.level = level;
  double headroom = limit - level;
  if (headroom <= 0) {
    t.estimate = t.low = t.high = 0.0;
    return t;
  }
  auto at = [&](double rate_per_h) -> std::optional<double> {
    if (!(rate_per_h > 0) || !std::isfinite(rate_per_h)) return std::nullopt;
    return headroom / rate_per_h * 3600.0;
  };
  t.estimate = at(slope_per_h);
  t.low = at(high_per_h);   // the fastest plausible growth: soonest
  t.high = at(low_per_h);   // the slowest: latest (never when <= 0)
  return t;
}

EnduranceVerdict judge_endurance(double required_s, const TimeToLimit& t, double limit, double level) {
  EnduranceVerdict v;
  v.ceiling_per_h = required_s > 0 ? (limit - level) / (required_s / 3600.0) : 0;
  if (limit - level <= 0) {
    v.verdict = Verdict::kFail;
    return v;
  }
  if (t.high && *t.high < required_s) v.verdict = Verdict::kFail;             // even the slowest growth gets there
  else if (!t.low || *t.low >= required_s) v.verdict = Verdict::kPass;        // even the fastest does not
  else v.verdict = Verdict::kInconclusive;
  return v;
}

std::optional<TimeToLimit> series_time_to_limit(const SeriesTrend& tr, double last_t, const KnownLimit& limit) {
  if (!tr.has_trend) return std::nullopt;
  const Trend& t = tr.trend;
  double level = t.fit_y0 + t.slope_per_h * (last_t - t.fit_t0_s) / 3600.0;
  TimeToLimit ttl = time_to_limit(limit.value, level, tr.fit.slope, tr.fit.ci_one_sided.low, tr.fit.ci_one_sided.high);
  ttl.limit_source = limit.source;
  return ttl;
}

std::map<std::string, std::optional<TimeToLimit>> times_to_limit(
    const RunData& data, const std::map<std::string, SeriesTrend>& trends, const std::vector<Budget>& budgets,
    const std::function<bool(std::string_view)>& available) {
  std::vector<std::tuple<std::string, double, std::string>> levels;
  for (const auto& b : budgets)
    if (b.kind == BudgetKind::kLevel)
      if (auto s = resolve_budget_target(b.target, available)) levels.emplace_back(*s, b.limit, b.spec);
  const SeriesLimits limits = limits_from_run_json(data.run);
  std::map<std::string, std::optional<TimeToLimit>> out;
  for (const auto& s : data.series) {
    auto tr = trends.find(s.name);
    auto limit = limit_for(s.name, levels, limits);
    if (tr == trends.end() || !limit || s.t.empty()) continue;
    out[s.name] = series_time_to_limit(tr->second, s.t.back(), *limit);
  }
  return out;
}

std::string short_series_name(std::string_view s) {
  if (s.ends_with("_bytes")) s.remove_suffix(6);
  return std::string(s);
}

void judge_endurance_budget(const Budget& b, std::string_view series, const std::string& unit,
                            const SeriesTrend& tr, const std::optional<TimeToLimit>& ttl, BudgetResult& r) {
  r.kind = "endurance";
  r.limit = b.limit;
  std::string need = format_time_to(b.limit);
  if (!ttl) {
    r.verdict = Verdict::kInconclusive;
    r.reason = fmt::format("inconclusive: no known limit for {} (a level budget, --memory-limit, GOMEMLIMIT or "
                           "RLIMIT_NOFILE; none was recorded)",
                           series);
    return;
  }
  r.observed = ttl->estimate;
  r.ci_low = ttl->low;
  r.ci_high = ttl->high;
  std::string line = describe_time_to_limit(short_series_name(series), unit, *ttl);
  if (!tr.judgeable && ttl->level < ttl->limit) {
    r.verdict = Verdict::kInconclusive;
    r.reason = "inconclusive: " + (tr.why_not.empty() ? std::string("not enough data") : tr.why_not);
    return;
  }
  EnduranceVerdict v = judge_endurance(b.limit, *ttl, ttl->limit, ttl->level);
  r.verdict = v.verdict;
  switch (v.verdict) {
    case Verdict::kFail:
      r.reason = fmt::format("{} ({}): it must last {}", line, ttl->limit_source, need);
      break;
    case Verdict::kPass:
      r.reason = fmt::format("{} ({}): lasts the {} required", line, ttl->limit_source, need);
      break;
    case Verdict::kInconclusive:
      r.reason = fmt::format("inconclusive: {} ({}): this run cannot tell whether it lasts {}", line,
                             ttl->limit_source, need);
      break;
  }
}

std::string format_time_to(std::optional<double> s) {
  if (!s) return "never";
  double v = *s;
  auto two = [](double x) {
    // Two significant digits, whole numbers from 10 up: "41", "4.5".
    return x >= 10 ? fmt::format("{:.0f}", x) : fmt::format("{:.2g}", x);
  };
  if (v < 120) return fmt::format("{} s", two(v));
  if (v < 2 * 3600) return fmt::format("{} min", two(v / 60));
  if (v < 100 * 3600) return fmt::format("{} h", two(v / 3600));
  return fmt::format("{} d", two(v / 86400));
}

std::string describe_time_to_limit(std::string_view what, std::string_view unit, const TimeToLimit& t) {
  std::string limit = format_amount(t.limit, unit);
  if (t.estimate && *t.estimate == 0)
    return fmt::format("{} is at its limit {} ({})", what, limit, t.limit_source);
  if (!t.estimate && !t.low)
    return fmt::format("{} does not grow towards {} ({})", what, limit, t.limit_source);
  return fmt::format("{} reaches {} in {} [{}, {}]", what, limit, format_time_to(t.estimate), format_time_to(t.low),
                     format_time_to(t.high));
}

}  // namespace analysis
}  // namespace soak
