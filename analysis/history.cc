#include "analysis/history.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/distributions/students_t.hpp>

#include "analysis/slope_fit.h"
#include "analysis/stats.h"

namespace soak::analysis {

namespace {

constexpr double kMadToSigma = 1.4826;   // MAD of a normal sample -> its SD
constexpr double kMedianEfficiency = 1.5708;  // var(median) ~ (pi/2) sigma^2 / n

struct Split {
  size_t tau = 0;    // first point of the right part
  size_t kappa = 0;  // end (exclusive) of the right part
  double q = -std::numeric_limits<double>::infinity();
};

// The split of x[s, e) maximising the E-divisive energy statistic over tau
// and kappa (Matteson & James 2014, alpha = 1), for X = x[s, tau) and
// Y = x[tau, kappa):
//   Q = 2/(n+m) sum|X-Y| - 2m/((n+m)(n-1)) sum_{i<k}|X_i-X_k| - 2n/((n+m)(m-1)) sum_{j<k}|Y_j-Y_k|
// Maximising over kappa too lets a short excursion (1, 2, 1) be found
// against its neighbours rather than against the whole rest. O((e-s)^3)
// with running sums; histories are short (tens of builds).
Split best_split(std::span<const double> x, size_t s, size_t e, size_t min_size) {
  Split best;
  if (e - s < 2 * min_size) return best;
  auto d = [&](size_t i, size_t k) { return std::fabs(x[i] - x[k]); };
  double within_left = 0;  // pairs within [s, tau)
  for (size_t tau = s + 1; tau < e; ++tau) {
    for (size_t i = s; i < tau - 1; ++i) within_left += d(i, tau - 1);
    const double n = static_cast<double>(tau - s);
    if (tau - s < min_size) continue;
    double within_right = 0, between = 0;
    for (size_t kappa = tau; kappa < e; ++kappa) {
      for (size_t j = tau; j < kappa; ++j) within_right += d(j, kappa);
      for (size_t i = s; i < tau; ++i) between += d(i, kappa);
      const double m = static_cast<double>(kappa - tau + 1);
      if (kappa + 1 - tau < min_size) continue;
      double q = 2.0 / (n + m) * between;
      if (n > 1) q -= 2.0 * m / ((n + m) * (n - 1)) * within_left;
      if (m > 1) q -= 2.0 * n / ((n + m) * (m - 1)) * within_right;
      if (q > best.q) best = {tau, kappa + 1, q};
    }
  }
  return best;
}

}  // namespace

double t_test_p(std::span<const double> a, std::span<const double> b) {
  if (a.size() < 2 || b.size() < 2) return 1.0;
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  const double ma = mean(a), mb = mean(b);
  const double sa = stddev(a), sb = stddev(b);
  // Pooled variance (Student's test, as scipy's ttest_ind default that Hunter
  // uses): Welch's test trusts a 2-point side's variance, which is often
  // near 0 by chance, and then calls noise a change.
  const double df = na + nb - 2;
  const double pooled = ((na - 1) * sa * sa + (nb - 1) * sb * sb) / df;
  if (pooled <= 0) return ma == mb ? 1.0 : 0.0;
  const double t = (mb - ma) / std::sqrt(pooled * (1 / na + 1 / nb));
  boost::math::students_t dist(df);
  return std::clamp(2.0 * boost::math::cdf(boost::math::complement(dist, std::fabs(t))), 0.0, 1.0);
}

std::vector<ChangePoint> e_divisive(std::span<const double> x, double alpha, size_t min_size) {
  min_size = std::max<size_t>(min_size, 2);
  std::vector<ChangePoint> found;
  std::vector<size_t> bounds{0, x.size()};  // segment boundaries, sorted
  for (;;) {
    // The best candidate over all current segments (as E-divisive does).
    Split best;
    size_t seg_s = 0, seg_e = 0;
    for (size_t i = 0; i + 1 < bounds.size(); ++i) {
      Split sp = best_split(x, bounds[i], bounds[i + 1], min_size);
      if (sp.q > best.q) {
        best = sp;
        seg_s = bounds[i];
        seg_e = bounds[i + 1];
      }
    }
    if (best.tau == 0) break;
    auto left = x.subspan(seg_s, best.tau - seg_s);
    // As Otava: the split is chosen over (tau, kappa), the t-test compares the
    // whole segment on each side of it.
    auto right = x.subspan(best.tau, seg_e - best.tau);
    const double p = t_test_p(left, right);
    if (!(p < alpha)) break;
    found.push_back({best.tau, mean(left), mean(right), p});
    bounds.insert(std::upper_bound(bounds.begin(), bounds.end(), best.tau), best.tau);
  }
  std::sort(found.begin(), found.end(), [](const ChangePoint& a, const ChangePoint& b) { return a.index < b.index; });
  // Segment means between the final boundaries (a later split refines them).
  for (auto& cp : found) {
    auto it = std::lower_bound(bounds.begin(), bounds.end(), cp.index);
    size_t before = *(it - 1), after = *(it + 1);
    cp.mean_before = mean(x.subspan(before, cp.index - before));
    cp.mean_after = mean(x.subspan(cp.index, after - cp.index));
  }
  return found;
}

std::optional<double> regression_se(const BudgetResult& b, const Judgement& judgement) {
  const Trend* trend = nullptr;
  for (const auto& s : judgement.series)
    if (s.name == b.series && s.trend) trend = &*s.trend;
  if (b.per != "req" && trend && trend->se_per_h && *trend->se_per_h > 0) return trend->se_per_h;
  if (!b.ci_low || !b.observed || !b.alpha || !std::isfinite(*b.ci_low) || *b.ci_low > *b.observed) return std::nullopt;
  const double confidence = 1 - *b.alpha;
  const double q = trend && trend->n_eff > 0 ? t_quantile(confidence, trend->n_eff) : normal_quantile(confidence);
  if (!(q > 0)) return std::nullopt;
  return (*b.observed - *b.ci_low) / q;
}

RegressionResult judge_regression(std::span<const HistoryPoint> history, double slope, double se, double limit,
                                  const RegressionOptions& o) {
  RegressionResult r;
  std::vector<double> base;
  for (auto it = history.rbegin(); it != history.rend() && base.size() < static_cast<size_t>(o.window); ++it)
    if (it->passing && std::isfinite(it->slope)) base.push_back(it->slope);
  r.n_baseline = base.size();
  if (base.size() < static_cast<size_t>(std::max(o.min_builds, 2))) return r;
  r.judged = true;
  r.median = median(base);
  std::vector<double> dev;
  for (double v : base) dev.push_back(std::fabs(v - r.median));
  r.sigma = kMadToSigma * median(dev);
  const double n = static_cast<double>(base.size());
  const double own = std::isfinite(se) ? std::max(se, 0.0) : 0.0;
  // The spread of ordinary builds, the uncertainty of their median, and this
  // build's own standard error.
  r.scale = std::sqrt(r.sigma * r.sigma * (1.0 + kMedianEfficiency / n) + own * own);
  r.rise = slope - r.median;
  if (r.scale > 0) r.z = r.rise / r.scale;
  else r.z = r.rise > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  r.floor = std::max(o.rel_floor * std::fabs(r.median), o.limit_floor * std::fabs(limit));
  r.regressed = r.z > o.z && r.rise > r.floor;
  return r;
}

}  // namespace soak::analysis
