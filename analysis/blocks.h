// Block aggregation: the signal the trend is fitted to (DETECTION.md 2.1-2.2).
//
// A GC or allocator sawtooth biases any estimator fitted to the raw samples
// upward; the floor of each block (its minimum, or a low percentile) follows
// the live data instead. Blocks must be at least twice the longest cycle;
// blocking also turns millions of samples into hundreds of points (O(n)).
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "common/series.h"

namespace soak::analysis {

enum class Signal { kMin, kP10, kMedian, kGcLive, kRaw };
std::string_view to_string(Signal s);  // "block-min", "block-p10", "block-median", "gc-live", "raw"

/// The signal for a series kind: floor (block minimum) for levels and
/// counts, block median for latency and for go_heap_live_bytes (already
/// sawtooth-free, one figure per GC), block minimum of a counter (its rate).
Signal signal_for(std::string_view series_name, SeriesKind kind);

struct Blocks {
  std::vector<double> t;  // mean sample time of each block (seconds)
  std::vector<double> v;  // the block's signal value
  double block_s = 0;
  bool snapped = false;  // cut at the resets of a sawtooth (find_resets), not at fixed times
};

/// A drop between consecutive readings larger than this many robust SDs of
/// the differences (1.4826 MAD around their median) is a reset: a GC, an
/// allocator returning memory. Gaussian noise never reaches it.
inline constexpr double kResetSigmas = 8;
/// make_blocks cuts a floor signal at resets when there are at least this
/// many after t_start.
inline constexpr size_t kMinResets = 4;

/// A drop of more than this many robust SDs but no more than kResetSigmas is
/// a near-reset: rare in noise (Gaussian: 3e-5 per difference), common when
/// a sawtooth's drops straddle the reset threshold.
inline constexpr double kNearResetSigmas = 4;

/// When the sampling thins, make_blocks merges a time block holding fewer
/// samples than this share of the 90th percentile count with the blocks after
/// it, so that every block's minimum is taken over about as many samples.
inline constexpr double kKeepShare = 0.8;
/// ... when the sampling thins: the 90th percentile count of the time blocks
/// is above this many times their median.
inline constexpr double kThinningRatio = 1.5;
/// ... merging at most this many time blocks into one once it holds half the
/// median count: a sharp drop in sampling keeps its late readings in blocks
/// of their own rather than pooled with the last dense block.
inline constexpr size_t kMaxMergedBlocks = 4;

/// find_resets estimates the noise scale from at most this many differences
/// (every k-th): a series of 10 million samples holds its cost to one pass.
inline constexpr size_t kResetScaleSample = 100'000;

/// Indices i (t[i] >= t_start) where v[i] - v[i-1] is a reset (kResetSigmas).
/// Empty for a series whose differences have no spread (quantised counts);
/// when jumps up (beyond the same threshold) number at least half the
/// drops: bursts and steps, flat between, are no sawtooth; and when
/// near-resets (kNearResetSigmas) outnumber half the resets (plus 1 in 10,000
/// differences for the noise's own tail): the cycle's drops straddle the
/// threshold, so the resets found are a noisy subset of them, and blocks cut
/// there would be few and uneven.
std::vector<size_t> find_resets(std::span<const double> t, std::span<const double> v, double t_start);

/// Aggregates samples with t >= t_start into consecutive blocks of
/// `block_s` seconds. For the block minimum (Signal::kMin) of a series with a
/// sawtooth (at least kMinResets resets after t_start), blocks are cut at the
/// resets instead, each at least `block_s` long and starting at a trough; the
/// partial cycle before the first reset is left out, and each block's value
/// is its minimum at that minimum's time. A block holding too few samples (a
/// gap's edge, sampling that thins out) is merged with the blocks after it
/// until it holds enough, since the minimum of fewer samples sits higher and
/// would bias the slope: enough is half the median count, or, when the
/// sampling thins (kThinningRatio), kKeepShare of the 90th percentile count
/// for time blocks, at most kMaxMergedBlocks of them together once they hold
/// half the median. A short remainder at the end joins the last block. No
/// reading is dropped.
/// `resets`: find_resets(t, v, t_start) when the caller has it already
/// (it costs passes over every difference and two medians); null computes it.
Blocks make_blocks(std::span<const double> t, std::span<const double> v, double t_start,
                   double block_s, Signal signal, const std::vector<size_t>* resets = nullptr);

/// Readings at or after `t_start` as they are, one "block" each (block_s 0):
/// for signals that are floors already (the live heap after each GC).
Blocks points_from(std::span<const double> t, std::span<const double> v, double t_start);

/// Readings at or after `t_start`, merged into groups of k consecutive
/// readings (median value, mean time) with k the smallest that leaves at
/// most `max_points` groups: for gc-live series with more readings than
/// kMaxPerPointReadings. Counting readings rather than time keeps a leaking
/// heap's late, sparse GCs (time blocks would hold few of them).
Blocks group_points(std::span<const double> t, std::span<const double> v, double t_start, size_t max_points);

/// Up to this many readings, a live-heap (gc-live) series is fitted point by
/// point; above, in groups of consecutive readings (group_points).
inline constexpr size_t kMaxPerPointReadings = 2000;

/// Floor blocks (t, v) merged in pairs: each pair's lower value at that
/// block's time, which is the minimum of the blocks twice as long, read
/// without going back to the samples; an odd last block joins the last pair
/// (as make_blocks' short remainder joins the last block).
void merge_floor_pairs(std::vector<double>& t, std::vector<double>& v);

/// Default block length: 30 s (shorter for runs under 30 min, so about 60
/// blocks remain), at least 3 sampling intervals, and long
/// enough that `span_s` holds at most `max_blocks` blocks.
double default_block_s(double interval_s, double span_s, size_t max_blocks = 800);

}  // namespace soak::analysis
