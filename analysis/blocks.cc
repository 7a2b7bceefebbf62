#include "analysis/blocks.h"

#include <algorithm>
#include <cmath>

#include "analysis/stats.h"

namespace soak::analysis {

std::string_view to_string(Signal s) {
  switch (s) {
    case Signal::kMin: return "block-min";
    case Signal::kP10: return "block-p10";
    case Signal::kMedian: return "block-median";
    case Signal::kGcLive: return "gc-live";
    case Signal::kRaw: return "raw";
  }
  return "raw";
}

Signal signal_for(std::string_view name, SeriesKind kind) {
  if (name == "go_heap_live_bytes") return Signal::kGcLive;
  if (kind == SeriesKind::kLatency) return Signal::kMedian;
  return Signal::kMin;
}

namespace {
double reduce(std::vector<double>& vals, Signal signal) {
  switch (signal) {
    case Signal::kMin: return *std::min_element(vals.begin(), vals.end());
    case Signal::kP10: return quantile(vals, 0.10);
    case Signal::kMedian:
    case Signal::kGcLive: return median(vals);
    case Signal::kRaw: return vals.front();
  }
  return vals.front();
}
}  // namespace

Blocks make_blocks(std::span<const double> t, std::span<const double> v, double t_start,
                   double block_s, Signal signal) {
  Blocks b;
  b.block_s = block_s;
  const size_t n = std::min(t.size(), v.size());
  std::vector<double> bt, bv;
  std::vector<size_t> counts;
  std::vector<double> vals;
  size_t i = static_cast<size_t>(std::lower_bound(t.begin(), t.begin() + static_cast<long>(n), t_start) - t.begin());
  while (i < n) {
    double k = std::floor((t[i] - t_start) / block_s);
    double end = t_start + (k + 1) * block_s;
    vals.clear();
    double tsum = 0;
    size_t j = i;
    // j == i always takes the first sample, so the loop advances even when
    // rounding puts `end` at or before t[i] (tiny blocks far from t_start).
    for (; j < n && (j == i || t[j] < end); ++j) {
      if (!std::isfinite(v[j])) continue;
      vals.push_back(v[j]);
      tsum += t[j];
    }
    if (!vals.empty()) {
      bt.push_back(tsum / static_cast<double>(vals.size()));
      bv.push_back(reduce(vals, signal));
      counts.push_back(vals.size());
    }
    i = j;
  }
  if (counts.empty()) return b;
  std::vector<double> c(counts.begin(), counts.end());
  double keep = 0.5 * median(c);
  for (size_t k = 0; k < counts.size(); ++k) {
    if (static_cast<double>(counts[k]) < keep) continue;
    b.t.push_back(bt[k]);
    b.v.push_back(bv[k]);
  }
  return b;
}

Blocks points_from(std::span<const double> t, std::span<const double> v, double t_start) {
  Blocks b;
  const size_t n = std::min(t.size(), v.size());
  for (size_t i = 0; i < n; ++i) {
    if (t[i] < t_start || !std::isfinite(v[i])) continue;
    b.t.push_back(t[i]);
    b.v.push_back(v[i]);
  }
  return b;
}

double default_block_s(double interval_s, double span_s, size_t max_blocks) {
  // 30 s blocks (DETECTION.md 2.2), shortened for short runs so that about
  // kShortRunBlocks remain: a 40 s run with a blatant leak must still be
  // judged. A block always spans at least 3 sampling intervals; the
  // residual-autocorrelation check lengthens blocks again where a cycle is
  // longer than the block, and the Hamed-Rao/AR(1) corrections account for
  // what correlation remains.
  constexpr double kShortRunBlocks = 24;
  // Floor: 10 ms, whatever the interval and span say (a zero interval from
  // duplicate timestamps must not make zero-length blocks).
  constexpr double kMinBlockS = 0.01;
  double b = std::max({std::min(30.0, span_s / kShortRunBlocks), 3 * interval_s, kMinBlockS});
  if (span_s / b > static_cast<double>(max_blocks)) b = span_s / static_cast<double>(max_blocks);
  return b;
}

}  // namespace soak::analysis
