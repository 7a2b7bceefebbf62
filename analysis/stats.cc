#include "analysis/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <boost/math/distributions/normal.hpp>

namespace soak::analysis {

double median(std::span<const double> v) { return quantile(v, 0.5); }

double quantile(std::span<const double> v, double q) {
  if (v.empty()) return 0;
  std::vector<double> s(v.begin(), v.end());
  double h = q * static_cast<double>(s.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(h));
  std::nth_element(s.begin(), s.begin() + lo, s.end());
  double a = s[lo];
  if (lo + 1 >= s.size()) return a;
  // The next order statistic is the minimum of the upper part.
  double b = *std::min_element(s.begin() + lo + 1, s.end());
  return a + (h - static_cast<double>(lo)) * (b - a);
}

double mean(std::span<const double> v) {
  if (v.empty()) return 0;
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double stddev(std::span<const double> v) {
  if (v.size() < 2) return 0;
  double m = mean(v), ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

std::vector<double> ranks(std::span<const double> v) {
  std::vector<size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    double mid = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) r[idx[k]] = mid;
    i = j + 1;
  }
  return r;
}

double autocorrelation(std::span<const double> v, size_t k) {
  if (v.size() <= k + 1) return 0;
  double m = mean(v), den = 0, num = 0;
  for (double x : v) den += (x - m) * (x - m);
  if (den <= 0) return 0;
  for (size_t i = 0; i + k < v.size(); ++i) num += (v[i] - m) * (v[i + k] - m);
  return num / den;
}

double normal_quantile(double p) {
  static const boost::math::normal_distribution<double> kStd;
  return boost::math::quantile(kStd, p);
}

double normal_cdf(double z) {
  static const boost::math::normal_distribution<double> kStd;
  return boost::math::cdf(kStd, z);
}

}  // namespace soak::analysis
