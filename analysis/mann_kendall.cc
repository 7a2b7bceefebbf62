#include "analysis/mann_kendall.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "analysis/stats.h"

namespace soak::analysis {

MannKendall mann_kendall(std::span<const double> y) {
  MannKendall mk;
  const size_t n = y.size();
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) mk.s += (y[j] > y[i]) - (y[j] < y[i]);
  std::vector<double> s(y.begin(), y.end());
  std::sort(s.begin(), s.end());
  double ties = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && s[j] == s[i]) ++j;
    double t = static_cast<double>(j - i);
    ties += t * (t - 1) * (2 * t + 5);
    i = j;
  }
  double dn = static_cast<double>(n);
  mk.var_s = (dn * (dn - 1) * (2 * dn + 5) - ties) / 18.0;
  return mk;
}

double hamed_rao_factor(std::span<const double> detrended, double significance) {
  const size_t n = detrended.size();
  if (n < 4) return 1;
  std::vector<double> r = ranks(detrended);
  const double dn = static_cast<double>(n);
  const double crit = normal_quantile(1 - significance / 2) / std::sqrt(dn);
  double sum = 0;
  for (size_t k = 1; k + 2 < n; ++k) {
    double rho = autocorrelation(r, k);
    if (std::fabs(rho) <= crit) continue;
    double dk = static_cast<double>(k);
    sum += (dn - dk) * (dn - dk - 1) * (dn - dk - 2) * rho;
  }
  double f = 1 + 2 / (dn * (dn - 1) * (dn - 2)) * sum;
  return std::max(f, 1.0);
}

}  // namespace soak::analysis
