#include "analysis/slope_fit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <boost/math/distributions/students_t.hpp>

#include "analysis/mann_kendall.h"
#include "analysis/stats.h"

namespace soak::analysis {

double t_quantile(double p, double n_eff) {
  double df = std::max(n_eff - 2, 1.0);
  boost::math::students_t_distribution<double> t(df);
  return boost::math::quantile(t, p);
}

double corrected_phi(double phi, size_t n) {
  // A short series underestimates phi, and an underestimated phi means false
  // alarms: bias-corrected (Kendall 1954), clamped to [0, 0.95]. Under
  // kMinPhiPoints points the estimate is noise (its SD is about 1/sqrt(n))
  // and the correction would swamp any signal: the raw estimate is used, and
  // the points (GC cycles, blocks of >= 3 samples) are taken as exchangeable
  // under H0 (the exact test's assumption; the bench measures it on sparse
  // shapes with correlated noise).
  return n < kMinPhiPoints ? std::clamp(phi, 0.0, 0.95)
                           : std::clamp(phi + (1 + 3 * phi) / static_cast<double>(n), 0.0, 0.95);
}

namespace {
// The residuals' SD and lag-1 autocorrelation, and the factor they inflate
// the slope's variance by: the larger of the AR(1) factor of the corrected
// phi and the Hamed-Rao factor. Returns the corrected phi.
double inflate(SlopeFit& f, std::span<const double> resid) {
  f.sigma = stddev(resid);
  f.phi = autocorrelation(resid, 1);
  const double phi_c = corrected_phi(f.phi, resid.size());
  f.variance_factor = std::max((1 + phi_c) / (1 - phi_c), hamed_rao_factor(resid));
  f.n_eff = static_cast<double>(resid.size()) / f.variance_factor;
  return phi_c;
}

// Degrees of freedom of the points: n_eff for a fail, the heavier tail also
// covering the error in phi (a bound too tight there is a false alarm, and
// the early looks of --fail-fast need it); for a pass, those of the residual
// variance under AR(1) noise (Bartlett: n (1 - phi^2) / (1 + phi^2)).
double points_df(const SlopeFit& f, double phi_c, IntervalUse use) {
  const double dn = static_cast<double>(f.n);
  return use == IntervalUse::kPass ? std::max(f.n_eff, dn * (1 - phi_c * phi_c) / (1 + phi_c * phi_c)) : f.n_eff;
}

// A rank interval cannot be more certain than "every pair agrees": with a
// large variance factor its ranks can fall outside [1, N] even for a blatant
// trend. An interval left unbounded is then the slope +- q * `se_ols` (the
// OLS standard error inflated by the same factor).
void bound_by_ols(SlopeFit& f, double se_ols, double z1, double z2) {
  auto fallback = [&](Interval& iv, double q) {
    if (std::isfinite(iv.low) && std::isfinite(iv.high)) return;
    iv = {f.slope - q * se_ols, f.slope + q * se_ols};
  };
  fallback(f.ci_two_sided, z2);
  fallback(f.ci_one_sided, z1);
}

// Effective SE from the two-sided interval's width where it is bounded; else
// `se_ols`.
void set_se(SlopeFit& f, double se_ols, double z2) {
  if (std::isfinite(f.ci_two_sided.low) && std::isfinite(f.ci_two_sided.high) && z2 > 0)
    f.se = (f.ci_two_sided.high - f.ci_two_sided.low) / (2 * z2);
  else
    f.se = se_ols;
}
}  // namespace

SlopeFit fit_slope(std::span<const double> x, std::span<const double> y, double confidence, IntervalUse use) {
  SlopeFit f;
  const double inf = std::numeric_limits<double>::infinity();
  f.n = std::min(x.size(), y.size());
  f.ci_two_sided = f.ci_one_sided = {-inf, inf};
  if (f.n < 2) return f;
  std::vector<double> slopes = pairwise_slopes(x, y);
  LineFit ts = theil_sen(x, y, slopes);
  f.slope = ts.slope;
  f.intercept = ts.intercept;
  OlsFit o = ols(x, y);
  f.ols_slope = o.slope;
  if (f.n < 3) return f;

  std::vector<double> resid(f.n);
  for (size_t i = 0; i < f.n; ++i) resid[i] = y[i] - ts.intercept - ts.slope * x[i];
  const double phi_c = inflate(f, resid);

  double alpha = 1 - confidence;
  // t_quantile takes 2 off the points' degrees of freedom (points_df).
  const double df_points = points_df(f, phi_c, use);
  double z2 = t_quantile(1 - alpha / 2, df_points);
  double z1 = t_quantile(1 - alpha, df_points);
  const double se_ols = o.se_slope * std::sqrt(f.variance_factor);
  // The exact path where it is valid and matters: few points (the
  // autocorrelation cannot be estimated anyway), or up to kExactMaxN points
  // whose residuals show no autocorrelation at all. Correlated residuals
  // beyond kMinPhiPoints keep the normal approximation with the Student-t
  // quantile on n_eff, whose heavier tail the bench needs (scaling the exact
  // critical value alone let early --fail-fast looks stop healthy runs).
  if (f.n < kMinPhiPoints || (f.n <= kExactMaxN && f.variance_factor <= 1)) {
    // Exact small-sample interval: invert the exact Mann-Kendall test of
    // y - b x. H0 "slope = b" is rejected upward when S(b) >= c, i.e. when at
    // most k* = (N - c) / 2 pairwise slopes lie below b: the lower bound is
    // the (k* + 1)-th smallest pairwise slope, the upper the (k* + 1)-th
    // largest. Autocorrelation scales the critical value by sqrt(n / n*)
    // (the normal approximation's correction, applied to the exact tail).
    f.exact = true;
    std::sort(slopes.begin(), slopes.end());
    const double N = static_cast<double>(slopes.size());
    auto exact = [&](double a) {
      Interval iv{-inf, inf};
      double c = mk_exact_critical(f.n, a) * std::sqrt(f.variance_factor);
      double k = std::floor((N - c) / 2 + 1e-9);
      if (k < 0 || N < 1) return iv;
      size_t ki = static_cast<size_t>(k);
      iv.low = slopes[ki];
      iv.high = slopes[slopes.size() - 1 - ki];
      return iv;
    };
    f.ci_two_sided = exact(alpha / 2);
    f.ci_one_sided = exact(alpha);
    // A pass under kMinPhiPoints points: the exact interval has no finite
    // bound at 1 % below 5 points and is the 1st to 7th most extreme of the
    // 10 to 36 pairwise slopes from 5 to 9, so a short flat run could hardly
    // pass; the t interval on the (inflated) OLS standard error bounds it.
    if (use == IntervalUse::kPass && f.n < kMinPhiPoints) {
      f.ci_two_sided = {f.slope - z2 * se_ols, f.slope + z2 * se_ols};
      f.ci_one_sided = {f.slope - z1 * se_ols, f.slope + z1 * se_ols};
    }
    // Correlated residuals (a cycle longer than the points' spacing) can push
    // the scaled critical value past N for a blatant trend; then, as above
    // kExactMaxN, the OLS standard error inflated by the same factor.
    if (f.variance_factor > 1) bound_by_ols(f, se_ols, z1, z2);
  } else {
    MannKendall mk = mann_kendall(y);
    double var_s = mk.var_s * f.variance_factor;
    f.ci_two_sided = sen_interval(slopes, var_s, z2);
    f.ci_one_sided = sen_interval(slopes, var_s, z1);
    bound_by_ols(f, se_ols, z1, z2);
  }
  set_se(f, se_ols, z2);
  return f;
}

SlopeFit fit_slope_across_shift(std::span<const double> x, std::span<const double> y, size_t split,
                                double confidence, IntervalUse use) {
  SlopeFit f;
  const double inf = std::numeric_limits<double>::infinity();
  f.n = std::min(x.size(), y.size());
  f.ci_two_sided = f.ci_one_sided = {-inf, inf};
  if (split < kMinPointsPerSide || f.n < split + kMinPointsPerSide) return f;
  const auto x1 = x.first(split), y1 = y.first(split);
  const auto x2 = x.subspan(split, f.n - split), y2 = y.subspan(split, f.n - split);
  std::vector<double> slopes = pairwise_slopes(x1, y1);
  const std::vector<double> s2 = pairwise_slopes(x2, y2);
  slopes.insert(slopes.end(), s2.begin(), s2.end());
  f.slope = median(slopes);
  auto side_intercept = [&](std::span<const double> xs, std::span<const double> ys) {
    std::vector<double> r(xs.size());
    for (size_t i = 0; i < r.size(); ++i) r[i] = ys[i] - f.slope * xs[i];
    return median(r);
  };
  const double a1 = side_intercept(x1, y1), a2 = side_intercept(x2, y2);
  f.intercept = a2;  // the line after the shift, where the series ends
  std::vector<double> resid(f.n);
  for (size_t i = 0; i < f.n; ++i) resid[i] = y[i] - (i < split ? a1 : a2) - f.slope * x[i];
  // OLS within the sides (the slope with a level-shift regressor), a cross-check
  // and the fallback's standard error.
  auto centred = [](std::span<const double> v) {
    const double m = mean(v);
    std::vector<double> c(v.begin(), v.end());
    for (double& e : c) e -= m;
    return c;
  };
  std::vector<double> cx = centred(x1), cy = centred(y1);
  for (double e : centred(x2)) cx.push_back(e);
  for (double e : centred(y2)) cy.push_back(e);
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < f.n; ++i) {
    sxx += cx[i] * cx[i];
    sxy += cx[i] * cy[i];
  }
  if (!(sxx > 0)) return f;
  f.ols_slope = sxy / sxx;
  double sse = 0;
  for (size_t i = 0; i < f.n; ++i) sse += (cy[i] - f.ols_slope * cx[i]) * (cy[i] - f.ols_slope * cx[i]);
  const double se_plain = std::sqrt(sse / std::max(static_cast<double>(f.n) - 3, 1.0) / sxx);
  const double phi_c = inflate(f, resid);
  const double alpha = 1 - confidence;
  // One more parameter than a line: the level shift.
  const double df_points = points_df(f, phi_c, use) - 1;
  const double z2 = t_quantile(1 - alpha / 2, df_points), z1 = t_quantile(1 - alpha, df_points);
  const double var_s = (mann_kendall(y1).var_s + mann_kendall(y2).var_s) * f.variance_factor;
  f.ci_two_sided = sen_interval(slopes, var_s, z2);
  f.ci_one_sided = sen_interval(slopes, var_s, z1);
  const double se_ols = se_plain * std::sqrt(f.variance_factor);
  bound_by_ols(f, se_ols, z1, z2);
  set_se(f, se_ols, z2);
  return f;
}

}  // namespace soak::analysis
