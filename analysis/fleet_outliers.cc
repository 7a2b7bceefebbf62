#include "analysis/fleet_outliers.h"

#include <algorithm>
#include <cmath>

#include "analysis/stats.h"

namespace soak::analysis {

double se_from_interval(double low, double high, double confidence) {
  if (!(high > low)) return 0;
  double z = normal_quantile(1 - (1 - confidence) / 2);
  return (high - low) / (2 * z);
}

std::vector<SlopeOutlier> find_slope_outliers(std::span<const InstanceSlope> slopes,
                                              const OutlierOptions& options) {
  std::vector<SlopeOutlier> out;
  if (slopes.size() < options.min_instances) return out;
  std::vector<double> x;
  for (const auto& s : slopes) x.push_back(s.slope_per_h);
  double med = median(x);
  std::vector<double> dev;
  for (double v : x) dev.push_back(std::fabs(v - med));
  double mad = median(dev);
  double spread = 1.4826 * mad;
  for (const auto& s : slopes) {
    double excess = s.slope_per_h - med;
    // Rounding is not growth: a difference below 1e-9 of the slopes is none.
    if (!(excess > 1e-9 * std::max(std::fabs(med), std::fabs(s.slope_per_h)))) continue;
    double scale = std::sqrt(spread * spread + s.se_per_h * s.se_per_h);
    double z = scale > 0 ? std::min(excess / scale, kMaxOutlierZ) : kMaxOutlierZ;
    if (z > options.z_threshold) out.push_back({s.instance, s.slope_per_h, med, mad, z});
  }
  std::sort(out.begin(), out.end(), [](const SlopeOutlier& a, const SlopeOutlier& b) { return a.z > b.z; });
  return out;
}

}  // namespace soak::analysis
