// One robust slope with an autocorrelation-aware interval (DETECTION.md 2.4-2.5):
// Theil-Sen slope, Sen's interval from the Mann-Kendall variance inflated by
// the larger of the Hamed-Rao (1998) factor and the AR(1) factor
// (1+phi)/(1-phi) of the residuals (phi bias-corrected, Kendall 1954:
// E[phi_hat] ~ phi - (1+3phi)/n), with a Student-t quantile on the effective
// sample size instead of z for short series. OLS is kept as a cross-check.
#pragma once

#include <span>

#include "analysis/theil_sen.h"

namespace soak::analysis {

struct SlopeFit {
  size_t n = 0;
  double slope = 0;
  double intercept = 0;      // y at x = 0
  double ols_slope = 0;
  Interval ci_two_sided;     // at `confidence`
  Interval ci_one_sided;     // low = lower bound, high = upper bound, each one-sided at `confidence`
  double sigma = 0;          // SD of the Theil-Sen residuals
  double phi = 0;            // lag-1 autocorrelation of the residuals (raw estimate)
  double variance_factor = 1;  // n / n*
  double n_eff = 0;
  double se = 0;             // effective standard error of the slope
  bool exact = false;        // interval from the exact Mann-Kendall null (n <= kExactMaxN)
};

/// Under this many points the lag-1 autocorrelation is not bias-corrected
/// (its estimate is noise); see corrected_phi.
inline constexpr size_t kMinPhiPoints = 10;

/// The lag-1 autocorrelation `phi` of n residuals as every AR(1) factor
/// (1 + phi) / (1 - phi) here uses it: + (1 + 3 phi) / n (Kendall's bias)
/// from kMinPhiPoints points on, clamped to [0, 0.95].
double corrected_phi(double phi, size_t n);

/// What an interval is for. A fail (and the interval shown without a
/// budget) uses kConservative: a bound that is too tight there is a false
/// alarm. A pass uses kPass, whose upper bound is the nominal one (see
/// fit_slope); its error is passing a leak, which detector_bench measures
/// ("passed": at most the 1 % the bound allows).
enum class IntervalUse { kConservative, kPass };

/// Fits y against x (x increasing). Needs n >= 3; fewer gives an infinite interval.
/// Up to kExactMaxN points the interval inverts the exact Mann-Kendall test
/// (infinite on a side the test can never reject at this level: too few
/// points). Above, Sen's normal-approximation interval; when its ranks fall
/// outside [1, N], the Theil-Sen slope +- q * (OLS SE * sqrt(variance factor)).
/// q is Student's t on n_eff - 2 degrees of freedom (kConservative). For
/// kPass, q has the degrees of freedom of the residual variance under AR(1)
/// noise, n (1 - phi^2) / (1 + phi^2) - 2 (Bartlett 1946; never fewer than
/// n_eff - 2), and under kMinPhiPoints points, where the exact interval has
/// no finite bound at 1 % below 5 points and is the 1st to 7th most extreme
/// of the 10 to 36 pairwise slopes from 5 to 9 points, the bound is that t
/// quantile times the OLS standard error inflated by the variance factor
/// (n - 2 degrees of freedom when the residuals show no autocorrelation).
/// Between kMinPhiPoints and kExactMaxN points without autocorrelation both
/// uses take the exact interval.
SlopeFit fit_slope(std::span<const double> x, std::span<const double> y, double confidence,
                   IntervalUse use = IntervalUse::kConservative);

/// One slope on both sides of a level shift between points split - 1 and
/// split (a step): the Theil-Sen slope and Sen's interval over the pairwise
/// slopes within each side only, with S and its variance the sums of the two
/// sides' (the seasonal Kendall test of Hirsch, Slack and Smith 1982, with
/// two seasons), inflated like fit_slope's by the residuals' autocorrelation
/// (residuals from each side's own intercept). Normal approximation only:
/// each side needs kMinPointsPerSide points, else the interval is infinite.
inline constexpr size_t kMinPointsPerSide = 5;
SlopeFit fit_slope_across_shift(std::span<const double> x, std::span<const double> y, size_t split,
                                double confidence, IntervalUse use = IntervalUse::kConservative);

/// Quantile used instead of z at one-sided level p for `n_eff` effective points.
double t_quantile(double p, double n_eff);

}  // namespace soak::analysis
