// Min/max-preserving downsampling for plots of long runs: a 24 h run at 1 s
// is 86400 points per series, far more than a 1100-pixel plot can show, but
// a single spike must stay visible. Each bucket keeps its minimum and its
// maximum, in time order.
#pragma once

#include <cstddef>
#include <vector>

namespace soak {

struct Downsampled {
  std::vector<double> t, v;
  bool reduced = false;  // false: the input came back unchanged
};

/// Splits [t.front(), t.back()] into `buckets` equal time spans and keeps the
/// min and max sample of each (one point when they coincide). Inputs with at
/// most 2*buckets points are returned as they are. `t` must be sorted.
Downsampled downsample_minmax(const std::vector<double>& t, const std::vector<double>& v,
                              size_t buckets);

}  // namespace soak
