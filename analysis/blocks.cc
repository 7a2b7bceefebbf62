#include "analysis/blocks.h"

#include <algorithm>
#include <cmath>
#include <utility>

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
                   double block_s, Signal signal, const std::vector<size_t>* known_resets) {
  Blocks b;
  b.block_s = block_s;
  const size_t n = std::min(t.size(), v.size());
  // Time blocks as index ranges [begin, end).
  std::vector<std::pair<size_t, size_t>> groups;
  size_t i = static_cast<size_t>(std::lower_bound(t.begin(), t.begin() + static_cast<long>(n), t_start) - t.begin());
  // A floor of a series with a clear sawtooth (GC or allocator resets): cut
  // the blocks at the resets instead of at fixed times, each block at least
  // block_s long, so that every block starts at a trough and its minimum is
  // the floor, whatever the cycle's length (a time block shorter than the
  // cycle holds a piece of a ramp). The partial cycle before the first reset
  // has no trough and is left out.
  const bool snapped = signal == Signal::kMin && [&] {
    std::vector<size_t> found;
    if (!known_resets) found = find_resets(t.first(n), v.first(n), t_start);
    const std::vector<size_t>& resets = known_resets ? *known_resets : found;
    if (resets.size() < kMinResets) return false;
    size_t start = resets.front();
    for (size_t r : resets) {
      if (r == start || t[r] - t[start] < block_s) continue;
      groups.push_back({start, r});
      start = r;
    }
    groups.push_back({start, n});
    b.snapped = true;
    return true;
  }();
  while (!snapped && i < n) {
    double k = std::floor((t[i] - t_start) / block_s);
    double end = t_start + (k + 1) * block_s;
    size_t j = i;
    // j == i always takes the first sample, so the loop advances even when
    // rounding puts `end` at or before t[i] (tiny blocks far from t_start).
    for (; j < n && (j == i || t[j] < end); ++j) {}
    groups.push_back({i, j});
    i = j;
  }
  auto finite_count = [&](std::pair<size_t, size_t> g) {
    size_t c = 0;
    for (size_t k = g.first; k < g.second; ++k) c += std::isfinite(v[k]);
    return c;
  };
  std::vector<double> counts;
  for (auto g : groups)
    if (size_t c = finite_count(g)) counts.push_back(static_cast<double>(c));
  if (counts.empty()) return b;
  // A block with fewer samples than the others (sampling that thins out, a
  // gap's edge) is merged with the blocks after it until it holds enough:
  // the minimum of fewer samples sits higher in a sawtooth, so blocks whose
  // counts fall over the run would read a rising floor (a leaking heap's
  // GCs, the go probe's duty cycle: detector_bench's `thinning` shape failed
  // 1.3 % of its healthy series before). When the sampling thins (the 90th
  // percentile count above kThinningRatio x the median), a time block needs
  // kKeepShare of the 90th percentile count (and at least half the median),
  // merging at most kMaxMergedBlocks blocks once they hold half the median
  // (so a sharp drop in sampling keeps its late readings in blocks of their
  // own); otherwise, and for blocks cut at a sawtooth's resets (which start
  // at a trough whatever their count), half the median. Dropping sparse
  // blocks instead would drop exactly the late readings of a series whose
  // sampling thins as it grows. A short remainder at the end is dropped
  // when it is the unfinished last block alone, and joins the block before
  // it when it merges several sparse blocks.
  const double median_count = median(counts);
  const double floor_keep = 0.5 * median_count;
  const double p90 = quantile(counts, 0.9);
  const bool thinning = !snapped && p90 > kThinningRatio * median_count;
  const double keep = thinning ? std::max(floor_keep, kKeepShare * p90) : floor_keep;
  std::vector<std::pair<size_t, size_t>> merged;
  size_t open_from = 0;    // start of the group being merged ...
  size_t open_blocks = 0;  // ... of this many blocks (0: none open)
  for (auto g : groups) {
    const size_t from = open_blocks > 0 ? open_from : g.first;
    std::pair<size_t, size_t> cur{from, g.second};
    const double c = static_cast<double>(finite_count(cur));
    if (c >= keep || (open_blocks + 1 >= kMaxMergedBlocks && c >= floor_keep)) {
      merged.push_back(cur);
      open_blocks = 0;
    } else {
      open_from = from;
      ++open_blocks;
    }
  }
  if (open_blocks > 1) {
    if (!merged.empty()) merged.back().second = groups.back().second;
    else merged.push_back({open_from, groups.back().second});
  }
  std::vector<double> vals;
  for (auto g : merged) {
    vals.clear();
    double tsum = 0;
    for (size_t k = g.first; k < g.second; ++k) {
      if (!std::isfinite(v[k])) continue;
      vals.push_back(v[k]);
      tsum += t[k];
    }
    if (vals.empty()) continue;
    if (snapped) {  // the floor was read where the minimum is (a trough), not mid-cycle
      size_t at = g.first;
      for (size_t k = g.first; k < g.second; ++k)
        if (std::isfinite(v[k]) && !(v[k] >= v[at] && std::isfinite(v[at]))) at = k;
      b.t.push_back(t[at]);
      b.v.push_back(v[at]);
      continue;
    }
    b.t.push_back(tsum / static_cast<double>(vals.size()));
    b.v.push_back(reduce(vals, signal));
  }
  return b;
}

std::vector<size_t> find_resets(std::span<const double> t, std::span<const double> v, double t_start) {
  const size_t n = std::min(t.size(), v.size());
  size_t i0 = static_cast<size_t>(std::lower_bound(t.begin(), t.begin() + static_cast<long>(n), t_start) - t.begin());
  auto finite_diff = [&](size_t i) { return std::isfinite(v[i]) && std::isfinite(v[i - 1]); };
  // The noise scale (median and MAD of the differences) from at most
  // kResetScaleSample differences, every k-th: two medians over the
  // differences of a 10-million-sample series cost a second; a systematic
  // sample of 100,000 pins the MAD to about 0.3 %.
  size_t total = 0;
  for (size_t i = i0 + 1; i < n; ++i) total += finite_diff(i);
  std::vector<size_t> out;
  if (total < 8) return out;
  const size_t stride = (total + kResetScaleSample - 1) / kResetScaleSample;
  std::vector<double> d;
  d.reserve(total / stride + 1);
  for (size_t i = i0 + 1, k = 0; i < n; ++i)
    if (finite_diff(i) && k++ % stride == 0) d.push_back(v[i] - v[i - 1]);
  const double md = median(d);
  for (double& x : d) x = std::fabs(x - md);
  const double s = 1.4826 * median(d);
  if (!(s > 0)) return out;  // quantised series (counts): no noise scale to judge a drop by
  size_t rises = 0, near = 0;
  for (size_t i = i0 + 1; i < n; ++i) {
    if (!finite_diff(i)) continue;
    const double di = v[i] - v[i - 1];
    if (di < md - kResetSigmas * s) out.push_back(i);
    else if (di < md - kNearResetSigmas * s) ++near;
    if (di > md + kResetSigmas * s) ++rises;
  }
  // A sawtooth ramps up between its resets. Jumps up about as common as the
  // drops are bursts or steps, flat between: time blocks serve those.
  if (2 * rises >= out.size()) out.clear();
  // Drops just under the threshold as common as those over it: a cycle
  // whose drops straddle the threshold (or heavy-tailed noise), not one
  // resolved from the noise.
  if (static_cast<double>(near) > 0.5 * static_cast<double>(out.size()) + 1e-4 * static_cast<double>(total)) out.clear();
  return out;
}

Blocks group_points(std::span<const double> t, std::span<const double> v, double t_start, size_t max_points) {
  Blocks all = points_from(t, v, t_start);
  const size_t n = all.t.size();
  if (n <= max_points || max_points == 0) return all;
  const size_t k = (n + max_points - 1) / max_points;
  Blocks b;
  std::vector<double> vals;
  for (size_t i = 0; i < n; i += k) {
    size_t j = std::min(n, i + k);
    vals.assign(all.v.begin() + static_cast<long>(i), all.v.begin() + static_cast<long>(j));
    double tsum = 0;
    for (size_t m = i; m < j; ++m) tsum += all.t[m];
    b.t.push_back(tsum / static_cast<double>(j - i));
    b.v.push_back(median(vals));
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

void merge_floor_pairs(std::vector<double>& t, std::vector<double>& v) {
  const size_t n = std::min(t.size(), v.size());
  if (n < 2) return;
  std::vector<double> mt, mv;
  for (size_t i = 0; i + 1 < n; i += 2) {
    size_t lo = v[i + 1] < v[i] ? i + 1 : i;
    if (i + 3 == n && v[i + 2] < v[lo]) lo = i + 2;  // the odd last block
    mt.push_back(t[lo]);
    mv.push_back(v[lo]);
  }
  t = std::move(mt);
  v = std::move(mv);
}

double default_block_s(double interval_s, double span_s, size_t max_blocks) {
  // 30 s blocks (DETECTION.md 2.2), shortened for short runs so that about
  // kShortRunBlocks remain: a 40 s run with a blatant leak must still be
  // judged, and a 10-minute run keeps enough points (>= 45 after warm-up)
  // for the last-1/3 window, so a leak that stopped early is not judged
  // with its growth. A block always spans at least 3 sampling intervals; the
  // residual-autocorrelation check lengthens blocks again where a cycle is
  // longer than the block, and the Hamed-Rao/AR(1) corrections account for
  // what correlation remains.
  constexpr double kShortRunBlocks = 60;
  // Floor: 10 ms, whatever the interval and span say (a zero interval from
  // duplicate timestamps must not make zero-length blocks).
  constexpr double kMinBlockS = 0.01;
  double b = std::max({std::min(30.0, span_s / kShortRunBlocks), 3 * interval_s, kMinBlockS});
  if (span_s / b > static_cast<double>(max_blocks)) b = span_s / static_cast<double>(max_blocks);
  return b;
}

}  // namespace soak::analysis
