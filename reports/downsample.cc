#include "reports/downsample.h"

#include <algorithm>

namespace soak {

Downsampled downsample_minmax(const std::vector<double>& t, const std::vector<double>& v,
                              size_t buckets) {
  Downsampled out;
  size_t n = std::min(t.size(), v.size());
  if (buckets == 0 || n <= 2 * buckets) {
    out.t.assign(t.begin(), t.begin() + static_cast<long>(n));
    out.v.assign(v.begin(), v.begin() + static_cast<long>(n));
    return out;
  }
  out.reduced = true;
  out.t.reserve(2 * buckets);
  out.v.reserve(2 * buckets);
  double t0 = t.front(), span = t[n - 1] - t0;
  if (span <= 0) span = 1;
  size_t i = 0;
  for (size_t b = 0; b < buckets && i < n; ++b) {
    double end = t0 + span * static_cast<double>(b + 1) / static_cast<double>(buckets);
    size_t lo = i, hi = i;
    size_t j = i;
    for (; j < n && (t[j] <= end || b + 1 == buckets); ++j) {
      if (v[j] < v[lo]) lo = j;
      if (v[j] > v[hi]) hi = j;
    }
    if (j == i) continue;  // empty bucket (a gap in the data)
    size_t first = std::min(lo, hi), second = std::max(lo, hi);
    out.t.push_back(t[first]);
    out.v.push_back(v[first]);
    if (second != first) {
      out.t.push_back(t[second]);
      out.v.push_back(v[second]);
    }
    i = j;
  }
  return out;
}

}  // namespace soak
