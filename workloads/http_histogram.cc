#include "workloads/http_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace soak {

// Index layout: [0, 128) hold the values 0..127 exactly; above, octave s
// (values in [64 << s, 128 << s), s >= 1) has 64 buckets of width 2^s.
int LatencyHistogram::index_of(uint64_t v) {
  if (v < kSub) return static_cast<int>(v);
  int shift = std::bit_width(v) - kSubBits;  // >= 1
  if (shift > kMaxShift) return kBuckets - 1;
  uint64_t sub = v >> shift;  // in [64, 128)
  return static_cast<int>(kSub + (shift - 1) * kHalf + (sub - kHalf));
}

uint64_t LatencyHistogram::lower_bound_of(int index) {
  if (index < static_cast<int>(kSub)) return static_cast<uint64_t>(index);
  int shift = (index - static_cast<int>(kSub)) / kHalf + 1;
  uint64_t sub = (index - kSub) % kHalf + kHalf;
  return sub << shift;
}

uint64_t LatencyHistogram::width_of(int index) {
  if (index < static_cast<int>(kSub)) return 1;
  return uint64_t{1} << ((index - static_cast<int>(kSub)) / kHalf + 1);
}

void LatencyHistogram::record(std::chrono::nanoseconds value) {
  uint64_t v = value.count() < 0 ? 0 : static_cast<uint64_t>(value.count());
  ++counts_[index_of(v)];
  ++count_;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void LatencyHistogram::reset() { *this = LatencyHistogram(); }

std::optional<std::chrono::nanoseconds> LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return std::nullopt;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the value at q (1-based, nearest-rank definition).
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      if (i == kBuckets - 1) break;  // the overflow bucket: only max is known
      uint64_t mid = lower_bound_of(i) + width_of(i) / 2;
      return std::chrono::nanoseconds(static_cast<int64_t>(std::clamp(mid, min_, max_)));
    }
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(max_));
}

std::optional<std::chrono::nanoseconds> LatencyHistogram::max() const {
  if (count_ == 0) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<int64_t>(max_));
}

std::optional<std::chrono::nanoseconds> LatencyHistogram::min() const {
  if (count_ == 0) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<int64_t>(min_));
}

}  // namespace soak
