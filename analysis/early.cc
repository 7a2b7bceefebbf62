#include "analysis/early.h"

#include <algorithm>
#include <cmath>

namespace soak {

// Lan-DeMets alpha spending with the Pocock-type function
// alpha(t) = alpha * ln(1 + (e - 1) t) (Lan & DeMets, Biometrika 1983), at
// information fraction t = k / K. Each look is judged at its increment
// alpha(k/K) - alpha((k-1)/K); the increments sum to alpha, so by the union
// bound a healthy run is stopped with probability at most alpha. Pocock's
// shape (rather than O'Brien-Fleming's) spends enough early to stop a
// blatant leak within the first looks: OBF's first looks demand z > 8,
// which a few dozen blocks can never reach.
double early_look_confidence(int k, int planned_looks, double confidence) {
  const int K = std::max(planned_looks, 1);
  k = std::clamp(k, 1, K);
  const double alpha = std::clamp(1.0 - confidence, 0.0, 1.0);
  auto spent = [&](double t) { return alpha * std::log1p((std::exp(1.0) - 1.0) * t); };
  double inc = spent(static_cast<double>(k) / K) - spent(static_cast<double>(k - 1) / K);
  // Never hand out a level so small that a quantile overflows.
  inc = std::max(inc, 1e-12);
  return 1.0 - inc;
}

}  // namespace soak
