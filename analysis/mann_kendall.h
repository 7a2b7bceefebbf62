// Mann-Kendall trend statistic with the tie correction and the Hamed-Rao
// (1998) variance correction for autocorrelated data.
//
// Mann (1945), Kendall (1975): S = sum_{i<j} sign(y_j - y_i);
// Var(S) = [n(n-1)(2n+5) - sum_t t(t-1)(2t+5)] / 18 over tie groups of size t.
// Hamed & Rao, J. Hydrology 204 (1998): Var*(S) = Var(S) * n/n*, with
// n/n* = 1 + 2/(n(n-1)(n-2)) * sum_{k=1}^{n-1} (n-k)(n-k-1)(n-k-2) rho_k,
// where rho_k is the lag-k autocorrelation of the ranks of the detrended
// series, counting only lags significant at `significance` (two-sided).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace soak::analysis {

struct MannKendall {
  double s = 0;
  double var_s = 0;  // with the tie correction, without autocorrelation
};

/// S and its tie-corrected variance for `y` in time order. O(n^2).
MannKendall mann_kendall(std::span<const double> y);

/// Exact small-sample null distribution of S (Kendall 1938; DETECTION.md 7):
/// with no ties, S = N - 2 * inversions, N = n(n-1)/2, and the number of the
/// n! orderings with k inversions is the Mahonian number T(n, k), with
/// T(n, k) = sum_{j=0..min(k, n-1)} T(n-1, k-j). Exact up to n = kExactMaxN
/// (doubles hold n! to 1e-16 relative precision there).
inline constexpr size_t kExactMaxN = 50;

/// T(n, k) for k = 0..n(n-1)/2, divided by n! (probabilities). n <= kExactMaxN.
std::vector<double> mahonian_probabilities(size_t n);

/// One-sided exact p = P(S >= s) under H0 (no ties, exchangeable), n <= kExactMaxN.
double mk_exact_p_upper(size_t n, double s);

/// Smallest S threshold c (c = N - 2k for an integer k >= 0) with
/// P(S >= c) <= alpha; N + 2 (never reached) when no threshold is that rare.
double mk_exact_critical(size_t n, double alpha);

/// Exact one-sided p of an upward trend in `y` (time order), n <= kExactMaxN.
/// Tied pairs count against the trend (as discordant), which can only raise
/// p: a conservative rule for integer series (counts) with ties.
double mk_exact_p_upward(std::span<const double> y);

/// Hamed-Rao factor n/n* from the detrended series (in time order).
/// Conservative choice: never below 1 (negative correlation is not allowed
/// to shrink the variance).
double hamed_rao_factor(std::span<const double> detrended, double significance = 0.05);

}  // namespace soak::analysis
