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

std::vector<double> mahonian_probabilities(size_t n) {
  // Row by row, each normalised by its n so that values stay probabilities:
  // P(n, k) = (1/n) * sum_{j=0..min(k, n-1)} P(n-1, k-j), as a running
  // window sum over the previous row.
  std::vector<double> row{1.0};
  for (size_t m = 2; m <= n; ++m) {
    const size_t len = m * (m - 1) / 2 + 1;
    std::vector<double> next(len, 0.0);
    double window = 0;
    for (size_t k = 0; k < len; ++k) {
      if (k < row.size()) window += row[k];
      if (k >= m && k - m < row.size()) window -= row[k - m];
      next[k] = window / static_cast<double>(m);
    }
    row = std::move(next);
  }
  return row;
}

double mk_exact_p_upper(size_t n, double s) {
  if (n < 2) return 1;
  const double N = static_cast<double>(n) * static_cast<double>(n - 1) / 2;
  if (s > N) return 0;
  // S >= s  <=>  inversions <= (N - s) / 2.
  const double kmax = std::floor((N - s) / 2 + 1e-9);
  if (kmax < 0) return 0;
  auto p = mahonian_probabilities(n);
  double sum = 0;
  for (size_t k = 0; k < p.size() && static_cast<double>(k) <= kmax; ++k) sum += p[k];
  return std::min(sum, 1.0);
}

double mk_exact_critical(size_t n, double alpha) {
  const double N = n < 2 ? 0 : static_cast<double>(n) * static_cast<double>(n - 1) / 2;
  if (n < 2) return N + 2;
  auto p = mahonian_probabilities(n);
  double sum = 0;
  size_t k = 0;
  // Largest k with P(inversions <= k) <= alpha; c = N - 2k.
  for (; k < p.size(); ++k) {
    if (sum + p[k] > alpha * (1 + 1e-12)) break;
    sum += p[k];
  }
  if (k == 0) return N + 2;
  return N - 2 * static_cast<double>(k - 1);
}

double mk_exact_p_upward(std::span<const double> y) {
  const size_t n = y.size();
  double s = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) s += y[j] > y[i] ? 1 : -1;
  return mk_exact_p_upper(n, s);
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
