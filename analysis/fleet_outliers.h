// Fleet outliers: an instance whose slope sits far above its fleet's, even
// when every instance is within budget (RESIN's cross-instance view of a
// leak). Robust z against the fleet's median and MAD, with the instance's own
// standard error in the scale so one noisy fit is not called an outlier.
// Pure.
#pragma once

#include <span>
#include <string>
#include <vector>

namespace soak::analysis {

/// One instance's fitted slope of one series.
struct InstanceSlope {
  std::string instance;
  double slope_per_h = 0;
  double se_per_h = 0;  // standard error of the slope (0 when unknown)
};

struct SlopeOutlier {
  std::string instance;
  double slope_per_h = 0;
  double fleet_median_per_h = 0;
  double fleet_mad_per_h = 0;  // raw MAD (not scaled by 1.4826)
  double z = 0;                // robust z; capped at kMaxOutlierZ
};

struct OutlierOptions {
  /// Iglewicz and Hoaglin's cut-off for the modified z-score.
  double z_threshold = 3.5;
  /// With fewer instances the median is no reference (two instances are
  /// symmetric: neither is "the fleet").
  size_t min_instances = 3;
};

inline constexpr double kMaxOutlierZ = 1e6;

/// Standard error from a two-sided interval [low, high] at `confidence`
/// under a normal approximation.
double se_from_interval(double low, double high, double confidence);

/// Instances whose slope lies above the fleet's median by more than
/// z_threshold robust standard deviations:
///   z_i = (x_i - median) / sqrt((1.4826 MAD)^2 + se_i^2)
/// (1.4826 MAD estimates the standard deviation of normal data). Only the
/// upper side is flagged: a leak makes a slope larger. When the scale is 0
/// (identical slopes and exact fits) any larger slope is an outlier with
/// z = kMaxOutlierZ. Sorted by z, largest first.
std::vector<SlopeOutlier> find_slope_outliers(std::span<const InstanceSlope> slopes,
                                              const OutlierOptions& options = {});

}  // namespace soak::analysis
