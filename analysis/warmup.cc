#include "analysis/warmup.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "analysis/theil_sen.h"

namespace soak::analysis {

namespace {
// Least squares with 3 regressors (1, u, w) by the normal equations; returns SSE.
double fit3(std::span<const double> t, std::span<const double> v, double c, double& b1, double& b2) {
  // Accumulate X'X and X'y for columns 1, u = min(t-c,0), w = max(t-c,0).
  std::array<double, 9> A{};
  std::array<double, 3> r{};
  double yy = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    double x[3] = {1, std::min(t[i] - c, 0.0), std::max(t[i] - c, 0.0)};
    for (int a = 0; a < 3; ++a) {
      for (int b = 0; b < 3; ++b) A[a * 3 + b] += x[a] * x[b];
      r[a] += x[a] * v[i];
    }
    yy += v[i] * v[i];
  }
  // Solve by Cramer's rule (3x3, well-conditioned after centring on c).
  auto det = [](const std::array<double, 9>& m) {
    return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
           m[2] * (m[3] * m[7] - m[4] * m[6]);
  };
  double d = det(A);
  if (std::fabs(d) < 1e-300) return std::numeric_limits<double>::infinity();
  std::array<double, 3> beta{};
  for (int col = 0; col < 3; ++col) {
    auto m = A;
    for (int row = 0; row < 3; ++row) m[row * 3 + col] = r[row];
    beta[col] = det(m) / d;
  }
  b1 = beta[1];
  b2 = beta[2];
  // SSE = y'y - beta'X'y
  double sse = yy - (beta[0] * r[0] + beta[1] * r[1] + beta[2] * r[2]);
  // Recompute directly when cancellation makes it unreliable.
  if (sse < 1e-9 * yy) {
    sse = 0;
    for (size_t i = 0; i < t.size(); ++i) {
      double e = v[i] - beta[0] - beta[1] * std::min(t[i] - c, 0.0) - beta[2] * std::max(t[i] - c, 0.0);
      sse += e * e;
    }
  }
  return std::max(sse, 0.0);
}
}  // namespace

KneeFit best_knee(std::span<const double> t, std::span<const double> v, double lo, double hi) {
  KneeFit best;
  const size_t n = std::min(t.size(), v.size());
  if (n < 6) return best;
  // Centre values for numerical stability of the normal equations.
  double v0 = v[0];
  std::vector<double> vc(v.begin(), v.begin() + static_cast<long>(n));
  for (double& x : vc) x -= v0;
  OlsFit line = ols(t.first(n), vc);
  double sse_line = 0;
  for (size_t i = 0; i < n; ++i) {
    double e = vc[i] - line.intercept - line.slope * t[i];
    sse_line += e * e;
  }
  best.sse = std::numeric_limits<double>::infinity();
  best.sse_line = sse_line;
  // Keep at least 2 points on each side of the knee.
  for (size_t i = 2; i + 2 < n; ++i) {
    if (t[i] < lo || t[i] > hi) continue;
    double b1 = 0, b2 = 0;
    double sse = fit3(t.first(n), vc, t[i], b1, b2);
    if (sse < best.sse) {
      best.sse = sse;
      best.c = t[i];
      best.b1 = b1;
      best.b2 = b2;
      best.ok = true;
    }
  }
  return best;
}

WarmupResult detect_warmup(std::span<const double> t, std::span<const double> v, double min_end_s,
                           double max_end_s) {
  WarmupResult w;
  w.end_s = min_end_s;
  size_t from = 0;
  for (int pass = 0; pass < 3; ++pass) {
    auto tt = t.subspan(from);
    auto vv = v.subspan(from);
    KneeFit k = best_knee(tt, vv, w.end_s, max_end_s);
    if (!k.ok || !(k.sse_line > 0)) break;
    bool settles = k.b1 > 0 && k.b2 < k.b1 / 3;
    bool explains = (k.sse_line - k.sse) >= 0.5 * k.sse_line;
    if (!settles || !explains) break;
    if (k.c <= w.end_s) {
      // The knee is at the minimum: warm-up ends there, but look again
      // after it in case the curve keeps bending.
    }
    w.end_s = std::max(w.end_s, k.c);
    w.moved = w.end_s > min_end_s;
    ++w.knees;
    // Next pass on the data from this knee on.
    size_t i = from;
    while (i < t.size() && t[i] < w.end_s) ++i;
    if (i == from || t.size() - i < 8) break;
    from = i;
  }
  return w;
}

}  // namespace soak::analysis
