#include "analysis/blocks.h"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

namespace soak::analysis {
namespace {

TEST(Blocks, FloorOfASawtoothIsFlat) {
  // Sawtooth 0..9 repeating every 10 s on a flat base; 30 s blocks.
  std::vector<double> t, v;
  for (int i = 0; i < 120; ++i) {
    t.push_back(i);
    v.push_back(100 + i % 10);
  }
  Blocks b = make_blocks(t, v, 0, 30, Signal::kMin);
  ASSERT_EQ(b.v.size(), 4u);
  for (double x : b.v) EXPECT_DOUBLE_EQ(x, 100);
  EXPECT_DOUBLE_EQ(b.t[0], 14.5);
  Blocks m = make_blocks(t, v, 0, 30, Signal::kMedian);
  EXPECT_DOUBLE_EQ(m.v[0], 104.5);
}

TEST(Blocks, ASawtoothLongerThanTheBlockIsCutAtItsResets) {
  // A GC sawtooth of 0..290 (period 300 s, 1 s sampling) on a flat base of
  // 1000 with a little noise: 30 s time blocks would hold pieces of the ramp
  // (minima from 1000 to 1270); blocks cut at the resets start at a trough.
  std::mt19937_64 rng(7);
  std::normal_distribution<double> z(0, 1);
  std::vector<double> t, v;
  for (int i = 0; i < 3600; ++i) {
    t.push_back(i);
    v.push_back(1000 + (i % 300) + 0.02 * z(rng));
  }
  std::vector<size_t> resets = find_resets(t, v, 0);
  ASSERT_EQ(resets.size(), 11u);
  EXPECT_EQ(resets.front(), 300u);
  Blocks b = make_blocks(t, v, 0, 30, Signal::kMin);
  EXPECT_TRUE(b.snapped);
  ASSERT_EQ(b.v.size(), 11u);  // from the first reset on, one block per cycle
  for (size_t i = 0; i < b.v.size(); ++i) {
    EXPECT_NEAR(b.v[i], 1000, 0.1) << i;
    EXPECT_DOUBLE_EQ(b.t[i], 300.0 * (i + 1)) << i;  // where the minimum is
  }
  // The median of a block is no floor: median blocks stay time blocks.
  EXPECT_FALSE(make_blocks(t, v, 0, 30, Signal::kMedian).snapped);
}

TEST(Blocks, BurstsAreNoSawtooth) {
  // Flat with 10 bursts of +50 for 20 s: as many jumps up as drops.
  std::mt19937_64 rng(7);
  std::normal_distribution<double> z(0, 1);
  std::vector<double> t, v;
  for (int i = 0; i < 3600; ++i) {
    t.push_back(i);
    v.push_back(1000 + (i % 360 < 20 ? 50 : 0) + 0.02 * z(rng));
  }
  EXPECT_TRUE(find_resets(t, v, 0).empty());
  EXPECT_FALSE(make_blocks(t, v, 0, 30, Signal::kMin).snapped);
  // Counts with no spread in their differences have no noise scale: no resets.
  std::vector<double> fds(3600, 12);
  for (int i = 0; i < 3600; i += 100) fds[static_cast<size_t>(i)] = 9;
  EXPECT_TRUE(find_resets(t, fds, 0).empty());
}

TEST(Blocks, ASawtoothWhoseDropsStraddleTheThresholdIsNotCutAtThem) {
  // White noise of SD 1 (differences: SD 1.41) under a 60 s sawtooth whose
  // drops alternate between 8.5 (6 SDs of the differences: a near-reset)
  // and 17 (12 SDs: a reset). The resets found would be every other cycle's
  // and the blocks few and uneven: no resets, time blocks.
  std::mt19937_64 rng(3);
  std::normal_distribution<double> z(0, 1);
  std::vector<double> t, straddling, clean;
  for (int i = 0; i < 3600; ++i) {
    const int cycle = i / 60, phase = i % 60;
    const double amp = cycle % 2 ? 17 : 8.5;
    const double noise = z(rng);
    t.push_back(i);
    straddling.push_back(1000 + amp * phase / 59.0 + noise);
    clean.push_back(1000 + 17 * phase / 59.0 + noise);
  }
  EXPECT_TRUE(find_resets(t, straddling, 0).empty());
  EXPECT_FALSE(make_blocks(t, straddling, 0, 30, Signal::kMin).snapped);
  // The same noise under drops of 17 every cycle: each is a reset.
  EXPECT_EQ(find_resets(t, clean, 0).size(), 59u);
}

TEST(Blocks, ALongSeriesFindsItsResetsFromASampleOfItsDifferences) {
  // A million samples, a 50-unit sawtooth of 200 samples over noise of SD 1:
  // the noise scale comes from every 10th difference; every reset is found.
  std::mt19937_64 rng(5);
  std::normal_distribution<double> z(0, 1);
  std::vector<double> t, v;
  for (int i = 0; i < 1'000'000; ++i) {
    t.push_back(0.01 * i);
    v.push_back(1000 + 50.0 * (i % 200) / 199.0 + z(rng));
  }
  std::vector<size_t> resets = find_resets(t, v, 0);
  ASSERT_EQ(resets.size(), 4999u);
  EXPECT_EQ(resets.front(), 200u);
  EXPECT_EQ(resets.back(), 999'800u);
}

TEST(Blocks, ShortLastBlockIsDropped) {
  std::vector<double> t, v;
  for (int i = 0; i < 65; ++i) {
    t.push_back(i);
    v.push_back(i);
  }
  Blocks b = make_blocks(t, v, 0, 30, Signal::kMin);
  EXPECT_EQ(b.v.size(), 2u);  // the 5-sample block [60, 65) is dropped
  EXPECT_EQ(make_blocks(t, v, 10, 30, Signal::kMin).v.front(), 10);
}

TEST(Blocks, DefaultLengthBoundsTheCount) {
  EXPECT_DOUBLE_EQ(default_block_s(1, 3600), 30);
  EXPECT_DOUBLE_EQ(default_block_s(20, 3600), 60);
  EXPECT_DOUBLE_EQ(default_block_s(1, 86400, 800), 108);
}

TEST(Blocks, ShortRunsGetShorterBlocksNeverZero) {
  EXPECT_DOUBLE_EQ(default_block_s(0.25, 48), 0.8);   // 48 s run: 60 blocks of 0.8 s
  EXPECT_DOUBLE_EQ(default_block_s(1, 48), 3);        // at least 3 intervals
  EXPECT_DOUBLE_EQ(default_block_s(1, 600), 10);      // 10 min: 60 blocks of 10 s
  EXPECT_DOUBLE_EQ(default_block_s(1, 1800), 30);     // 30 min and up: 30 s
  EXPECT_DOUBLE_EQ(default_block_s(0, 0), 0.01);      // degenerate input: the floor
}

TEST(Blocks, TinyBlocksFarFromStartStillAdvance) {
  // A block length far below the spacing of large timestamps: rounding can
  // put a block's end at or before its first sample; every sample must still
  // land in exactly one block (this used to loop forever).
  std::vector<double> t = {1e9, 1e9 + 1e-7, 1e9 + 2e-7, 1e9 + 1};
  std::vector<double> v = {1, 2, 3, 4};
  Blocks b = make_blocks(t, v, 0, 1e-9, Signal::kMin);
  size_t total = b.v.size();
  EXPECT_GE(total, 1u);
  EXPECT_LE(total, 4u);
}

TEST(Blocks, PointsFromKeepsEveryFiniteReadingFromTheStart) {
  std::vector<double> t = {1, 2, 3, 4};
  std::vector<double> v = {10, NAN, 30, 40};
  Blocks b = points_from(t, v, 2);
  EXPECT_EQ(b.t, (std::vector<double>{3, 4}));
  EXPECT_EQ(b.v, (std::vector<double>{30, 40}));
  EXPECT_EQ(b.block_s, 0);
}

TEST(Blocks, SignalPerKind) {
  EXPECT_EQ(signal_for("rss_bytes", SeriesKind::kBytes), Signal::kMin);
  EXPECT_EQ(signal_for("latency_p99_ms", SeriesKind::kLatency), Signal::kMedian);
  EXPECT_EQ(signal_for("go_heap_live_bytes", SeriesKind::kBytes), Signal::kGcLive);
  EXPECT_EQ(to_string(Signal::kGcLive), "gc-live");
}

}  // namespace
}  // namespace soak::analysis

namespace soak::analysis {
namespace {

TEST(Blocks, ThinningSamplingKeepsTheLateReadings) {
  // 1 s sampling for 300 s, then one sample every 40 s to 900 s: the late
  // 30 s blocks hold 0 or 1 sample each; they are merged, not dropped.
  std::vector<double> t, v;
  for (int i = 1; i <= 300; ++i) t.push_back(i);
  for (int i = 340; i <= 900; i += 40) t.push_back(i);
  for (double x : t) v.push_back(x);
  Blocks b = make_blocks(t, v, 0, 30, Signal::kMin);
  ASSERT_FALSE(b.t.empty());
  EXPECT_GT(b.t.back(), 800);
  size_t late = 0;
  for (double x : b.t) late += x > 300;
  EXPECT_GE(late, 1u);
}

TEST(Blocks, ThinningSamplingOverASawtoothReadsAFlatFloor) {
  // A flat floor of 100 under a 10-unit sawtooth of 23 s; the sampling
  // interval grows from 1 s to 25 s over the hour. A late 30 s block holds
  // one or two samples at a random phase of the cycle: their minimum sat
  // 4.9 above the floor on average in the last 20 minutes (a rising floor).
  // Merged with up to kMaxMergedBlocks - 1 blocks after it (towards as many
  // samples as the early blocks), it sits 2.3 above.
  std::vector<double> t, v;
  for (double x = 1; x <= 3600; x += 1 + 24 * x / 3600) {
    t.push_back(x);
    v.push_back(100 + 10 * std::fmod(x, 23.0) / 23.0);
  }
  Blocks b = make_blocks(t, v, 0, 30, Signal::kMin);
  double late = 0;
  int n = 0;
  for (size_t i = 0; i < b.v.size(); ++i)
    if (b.t[i] > 2400) {
      late += b.v[i] - 100;
      ++n;
    }
  ASSERT_GE(n, 8);  // the late readings are kept, in blocks of their own
  EXPECT_LT(late / n, 3.0);
}

TEST(Blocks, GroupPointsCountsReadingsNotTime) {
  std::vector<double> t, v;
  for (int i = 0; i < 5000; ++i) {
    t.push_back(i < 4000 ? i * 0.5 : 2000 + (i - 4000) * 30.0);  // GCs thin out 60x
    v.push_back(i);
  }
  Blocks b = group_points(t, v, 0, 2000);
  EXPECT_EQ(b.t.size(), 1667u);  // groups of 3
  EXPECT_DOUBLE_EQ(b.v.front(), 1);
  EXPECT_NEAR(b.t.back(), 2000 + 999 * 30.0 - 15, 1e-9);  // the last two readings form the last group
  EXPECT_EQ(group_points(t, v, 0, 10000).t.size(), 5000u);
}

TEST(Blocks, FloorPairsKeepTheLowerBlockAtItsTime) {
  // Five blocks: pairs (1, 2), then (3, 4) with the odd fifth joining it.
  std::vector<double> t{10, 20, 30, 40, 50}, v{5, 4, 7, 6, 3};
  merge_floor_pairs(t, v);
  EXPECT_EQ(t, (std::vector<double>{20, 50}));
  EXPECT_EQ(v, (std::vector<double>{4, 3}));
  std::vector<double> t1{10}, v1{5};
  merge_floor_pairs(t1, v1);  // one block: nothing to merge
  EXPECT_EQ(v1, (std::vector<double>{5}));
}

}  // namespace
}  // namespace soak::analysis
