// Small descriptive statistics shared by the estimators: order statistics,
// ranks with ties, lag-k autocorrelation, normal quantiles.
#pragma once

#include <span>
#include <vector>

namespace soak::analysis {

/// Median of `v` (mean of the two middle values for even sizes); 0 when empty.
double median(std::span<const double> v);
/// Linear-interpolated quantile q in [0,1] (type 7, as R/numpy default); 0 when empty.
double quantile(std::span<const double> v, double q);
double mean(std::span<const double> v);
/// Sample standard deviation (n-1); 0 when n < 2.
double stddev(std::span<const double> v);
/// Mid-ranks (1-based; tied values share the mean of their ranks).
std::vector<double> ranks(std::span<const double> v);
/// Lag-k autocorrelation: sum_{i}(x_i - m)(x_{i+k} - m) / sum_i (x_i - m)^2
/// (the usual biased estimator); 0 when undefined.
double autocorrelation(std::span<const double> v, size_t k);
/// Standard normal quantile z_p (Boost.Math).
double normal_quantile(double p);
/// Standard normal CDF.
double normal_cdf(double z);

}  // namespace soak::analysis
