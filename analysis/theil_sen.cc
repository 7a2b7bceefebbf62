#include "analysis/theil_sen.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis/stats.h"

namespace soak::analysis {

std::vector<double> pairwise_slopes(std::span<const double> x, std::span<const double> y) {
  std::vector<double> s;
  const size_t n = std::min(x.size(), y.size());
  s.reserve(n * (n - (n > 0)) / 2);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) {
      double dx = x[j] - x[i];
      if (dx != 0) s.push_back((y[j] - y[i]) / dx);
    }
  return s;
}

LineFit theil_sen(std::span<const double> x, std::span<const double> y, std::vector<double>& slopes) {
  LineFit f;
  if (slopes.empty()) return f;
  f.slope = median(slopes);
  std::vector<double> r(x.size());
  for (size_t i = 0; i < x.size(); ++i) r[i] = y[i] - f.slope * x[i];
  f.intercept = median(r);
  return f;
}

LineFit theil_sen(std::span<const double> x, std::span<const double> y) {
  auto s = pairwise_slopes(x, y);
  return theil_sen(x, y, s);
}

namespace {
// Order statistic at a fractional 1-based rank, interpolating linearly.
double order_stat(std::vector<double>& s, double rank) {
  const double inf = std::numeric_limits<double>::infinity();
  if (rank < 1) return -inf;
  if (rank > static_cast<double>(s.size())) return inf;
  size_t k = static_cast<size_t>(std::floor(rank)) - 1;
  std::nth_element(s.begin(), s.begin() + static_cast<long>(k), s.end());
  double a = s[k];
  double frac = rank - std::floor(rank);
  if (frac == 0 || k + 1 >= s.size()) return a;
  double b = *std::min_element(s.begin() + static_cast<long>(k) + 1, s.end());
  return a + frac * (b - a);
}
}  // namespace

Interval sen_interval(std::vector<double>& slopes, double var_s, double z) {
  const double n = static_cast<double>(slopes.size());
  const double c = z * std::sqrt(std::max(var_s, 0.0));
  Interval iv;
  iv.low = order_stat(slopes, (n - c) / 2);
  iv.high = order_stat(slopes, (n + c) / 2 + 1);
  return iv;
}

OlsFit ols(std::span<const double> x, std::span<const double> y) {
  OlsFit f;
  const size_t n = std::min(x.size(), y.size());
  if (n < 2) return f;
  double mx = mean(x.first(n)), my = mean(y.first(n)), sxx = 0, sxy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  if (sxx <= 0) return f;
  f.slope = sxy / sxx;
  f.intercept = my - f.slope * mx;
  if (n > 2) {
    double sse = 0;
    for (size_t i = 0; i < n; ++i) {
      double e = y[i] - f.intercept - f.slope * x[i];
      sse += e * e;
    }
    f.se_slope = std::sqrt(sse / static_cast<double>(n - 2) / sxx);
  }
  return f;
}

}  // namespace soak::analysis
