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

#include <span>

namespace soak::analysis {

struct MannKendall {
  double s = 0;
  double var_s = 0;  // with the tie correction, without autocorrelation
};

/// S and its tie-corrected variance for `y` in time order. O(n^2).
MannKendall mann_kendall(std::span<const double> y);

/// Hamed-Rao factor n/n* from the detrended series (in time order).
/// Conservative choice: never below 1 (negative correlation is not allowed
/// to shrink the variance).
double hamed_rao_factor(std::span<const double> detrended, double significance = 0.05);

}  // namespace soak::analysis
