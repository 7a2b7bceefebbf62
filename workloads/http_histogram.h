// A log-linear latency histogram with bounded relative error (HDR-style).
//
// Values are nanoseconds. Each power of two is split into 64 linear
// sub-buckets, so a reported percentile is within 1/64 (< 1.6 %) of the true
// value, above 128 ns exactly. Fixed size (no allocation when recording), so
// the load thread can record every request without heap churn.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

namespace soak {

class LatencyHistogram {
 public:
  /// Records one value; values beyond the range (~2^50 ns, 13 days) land in
  /// the last bucket (max() stays exact).
  void record(std::chrono::nanoseconds value);
  /// Adds every count of `other`.
  void merge(const LatencyHistogram& other);
  void reset();

  uint64_t count() const { return count_; }
  /// The value at quantile q in [0, 1] (bucket midpoint, clamped to the
  /// recorded min/max); empty when nothing was recorded.
  std::optional<std::chrono::nanoseconds> quantile(double q) const;
  std::optional<std::chrono::nanoseconds> max() const;
  std::optional<std::chrono::nanoseconds> min() const;

 private:
  static constexpr int kSubBits = 7;                    // 128 direct buckets
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;
  static constexpr int kHalf = kSub / 2;                // 64 sub-buckets per octave
  static constexpr int kMaxShift = 44;
  static constexpr int kBuckets = kSub + kMaxShift * kHalf;

  static int index_of(uint64_t v);
  static uint64_t lower_bound_of(int index);
  static uint64_t width_of(int index);

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace soak
