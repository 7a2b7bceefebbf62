// Theil-Sen slope with Sen's confidence interval, and OLS as a cross-check.
//
// Theil (1950), Sen (1968): the slope is the median of the pairwise slopes
// (y_j - y_i) / (x_j - x_i), i < j; breakdown point 29 %. Sen's interval
// takes the order statistics of the pairwise slopes at ranks
// (N -/+ C) / 2 with C = z * sqrt(Var(S)), where Var(S) is the variance of
// the Mann-Kendall statistic (Gilbert 1987, section 16.5). Passing the
// Hamed-Rao corrected variance gives an interval that accounts for
// autocorrelation.
#pragma once

#include <span>
#include <vector>

namespace soak::analysis {

/// All pairwise slopes of points with distinct x (pairs with equal x are
/// skipped). O(n^2): call on blocked data only.
std::vector<double> pairwise_slopes(std::span<const double> x, std::span<const double> y);

struct LineFit {
  double slope = 0;
  double intercept = 0;  // y at x = 0
};

/// Theil-Sen line: slope = median pairwise slope; intercept = median of
/// y - slope * x (Conover). `slopes` is pairwise_slopes(x, y) (reordered).
LineFit theil_sen(std::span<const double> x, std::span<const double> y, std::vector<double>& slopes);
LineFit theil_sen(std::span<const double> x, std::span<const double> y);

struct Interval {
  double low = 0;
  double high = 0;
};

/// Sen's interval: order statistics of `slopes` at 1-based ranks
/// M1 = (N - C)/2 and M2 + 1 = (N + C)/2 + 1, C = z * sqrt(var_s), linearly
/// interpolated between neighbouring ranks. A rank outside [1, N] gives an
/// infinite bound (the data cannot bound the slope on that side).
Interval sen_interval(std::vector<double>& slopes, double var_s, double z);

struct OlsFit {
  double slope = 0;
  double intercept = 0;
  double se_slope = 0;  // assuming independent residuals
};
OlsFit ols(std::span<const double> x, std::span<const double> y);

}  // namespace soak::analysis
