#include "analysis/compare.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "analysis/stats.h"

namespace soak::analysis {

double trend_se(const Trend& t, double confidence) {
  if (t.se_per_h && *t.se_per_h > 0) return *t.se_per_h;
  const double z = normal_quantile(1 - (1 - confidence) / 2);
  if (std::isfinite(t.ci_low_per_h) && std::isfinite(t.ci_high_per_h) && z > 0)
    return std::max(t.ci_high_per_h - t.ci_low_per_h, 0.0) / (2 * z);
  return std::numeric_limits<double>::infinity();
}

Comparison compare_runs(const Summary& base, const Summary& now, double alpha, double floor_share) {
  Comparison c;
  std::map<std::string, double> limits;  // series -> tightest per-hour slope budget
  for (const auto& b : now.budgets) {
    if (b.kind != "slope" || b.series.empty() || (b.per != "h" && !b.per.empty())) continue;
    auto [it, fresh] = limits.emplace(b.series, b.limit);
    if (!fresh) it->second = std::min(it->second, b.limit);
  }
  auto trend_of = [](const Summary& s, const std::string& name) -> std::optional<Trend> {
    for (const auto& x : s.series)
      if (x.name == name) return x.trend;
    return std::nullopt;
  };
  for (const auto& [name, limit] : limits) {
    CompareRow r;
    r.series = name;
    r.limit = limit;
    r.base = trend_of(base, name);
    r.now = trend_of(now, name);
    r.floor = floor_share * std::max(limit, 0.0);
    if (r.base && r.now) {
      r.change = r.now->slope_per_h - r.base->slope_per_h;
      double se = std::hypot(trend_se(*r.now, 0.99), trend_se(*r.base, 0.99));
      r.p = se > 0 && std::isfinite(se) ? 1 - normal_cdf(r.change / se) : (r.change > 0 && se == 0 ? 0.0 : 1.0);
    }
    c.rows.push_back(std::move(r));
  }
  // Holm step-down over the compared series.
  std::vector<size_t> order(c.rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return c.rows[a].p < c.rows[b].p; });
  const size_t m = c.rows.size();
  bool stopped = false;
  for (size_t k = 0; k < m; ++k) {
    CompareRow& r = c.rows[order[k]];
    r.alpha = alpha / static_cast<double>(m - k);
    if (!stopped && r.base && r.now && r.p <= r.alpha) {
      r.significant = true;
    } else {
      stopped = true;
    }
    r.regressed = r.significant && r.change >= r.floor;
    c.regressions += r.regressed;
  }
  return c;
}

}  // namespace soak::analysis
