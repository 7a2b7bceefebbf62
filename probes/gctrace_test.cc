#include "probes/gctrace.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/testing/testing.h"

namespace soak {
namespace {

std::string testdata(const std::string& name) {
  return testing::read_file(testing::source_dir() / "probes/testdata/go" / name);
}

TEST(GcTrace, ParsesGo119LineWithStacksAndGlobals) {
  auto g = parse_gctrace_line(
      "gc 2 @0.380s 18%: 0.040+111+0.004 ms clock, 0.32+0/221/663+0.034 ms cpu, "
      "1525->1525->1525 MB, 3052 MB goal, 0 MB stacks, 0 MB globals, 8 P (forced)");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->cycle, 2);
  EXPECT_DOUBLE_EQ(g->t_s, 0.380);
  EXPECT_DOUBLE_EQ(g->cpu_percent, 18);
  EXPECT_DOUBLE_EQ(g->heap_start_mib, 1525);
  EXPECT_DOUBLE_EQ(g->heap_live_mib, 1525);
  EXPECT_DOUBLE_EQ(g->goal_mib, 3052);
  EXPECT_EQ(g->stacks_mib, 0.0);
  EXPECT_EQ(g->globals_mib, 0.0);
  EXPECT_EQ(g->procs, 8);
  EXPECT_TRUE(g->forced);
}

TEST(GcTrace, ParsesGo116LineWithoutStacks) {
  auto g = parse_gctrace_line(
      "gc 1 @0.017s 2%: 0.012+0.43+0.003 ms clock, 0.049+0.20/0.37/0.14+0.015 ms cpu, 4->4->0 MB, "
      "5 MB goal, 4 P");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->cycle, 1);
  EXPECT_DOUBLE_EQ(g->heap_marked_mib, 4);
  EXPECT_DOUBLE_EQ(g->heap_live_mib, 0);
  EXPECT_DOUBLE_EQ(g->goal_mib, 5);
  EXPECT_FALSE(g->stacks_mib);
  EXPECT_EQ(g->procs, 4);
  EXPECT_FALSE(g->forced);
}

TEST(GcTrace, FindsRecordAfterApplicationOutputOnTheSameLine) {
  auto g = parse_gctrace_line(
      "[app] done gc 5 @13.001s 1%: 0.02+1.0+0.003 ms clock, 0.04+0.1/0.2/0.3+0.006 ms cpu, "
      "11->11->8 MB, 16 MB goal, 1 MB stacks, 0 MB globals, 2 P");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->cycle, 5);
  EXPECT_DOUBLE_EQ(g->heap_live_mib, 8);
  EXPECT_EQ(g->stacks_mib, 1.0);
}

TEST(GcTrace, ToleratesGarbageInsideTheLine) {
  auto g = parse_gctrace_line(
      "gc 7 @1.5s 3%: 0.1+0.2+0.3 ms clock, GARBAGE 0.1+0.2/0.3/0.4+0.5 ms cpu, 20->21->9 MB, "
      "xx 18 MB goal, 2 P");
  ASSERT_TRUE(g);
  EXPECT_DOUBLE_EQ(g->heap_live_mib, 9);
  EXPECT_DOUBLE_EQ(g->goal_mib, 18);
}

// Found by fuzz/gctrace_fuzz (scripts/fuzz.sh): a cycle number too large for
// int64 was cast anyway (undefined behaviour under UBSan), and so was a
// GOMAXPROCS figure too large for int.
TEST(GcTrace, OutOfRangeFiguresAreNotUndefinedBehaviour) {
  const std::string figures =
      ": 0.040+111+0.004 ms clock, 0.32+0/221/663+0.034 ms cpu, 3->3->1 MB, 4 MB goal, 8 P";
  EXPECT_FALSE(parse_gctrace_line("gc " + std::string(65, '2') + " @0.664s 0%" + figures));
  auto g = parse_gctrace_line(
      "gc 3 @0.6s 0%: 0.040+111+0.004 ms clock, 0.32+0/221/663+0.034 ms cpu, 3->3->1 MB, 4 MB goal, "
      "99999999999999999999 P");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->cycle, 3);
  EXPECT_DOUBLE_EQ(g->heap_live_mib, 1);
  EXPECT_FALSE(g->procs);
}

TEST(GcTrace, MalformedAndTruncatedInputIsNoRecord) {
  for (std::string_view s :
       {"", "gc", "gc 1", "gc 1 @", "gc 1 @0.1s", "gc 1 @0.1s 0%:", "gc x @1s 0%: 1->2->3 MB, 4 MB goal",
        "gc 1 @0.1s 0%: 0.1+0.2+0.3 ms clock, 3->4", "gc 1 @0.1s 0%: 3->4->1 MB",  // no goal
        "lgc 1 @0.1s 0%: 3->4->1 MB, 4 MB goal, 2 P", "gc 1 @0.1s 0%: ->->-> MB, MB goal"}) {
    EXPECT_FALSE(parse_gctrace_line(s)) << s;
  }
  // every prefix of a valid line either parses to the same cycle or not at all
  std::string line =
      "gc 9 @2.5s 4%: 0.1+0.2+0.3 ms clock, 0.1+0.2/0.3/0.4+0.5 ms cpu, 20->21->9 MB, 18 MB goal, 2 P";
  for (size_t n = 0; n <= line.size(); ++n) {
    auto g = parse_gctrace_line(std::string_view(line).substr(0, n));
    if (g) EXPECT_EQ(g->cycle, 9);
  }
}

TEST(GcTraceScanner, JoinsARecordSplitByInterleavedOutput) {
  std::istringstream in(testdata("gctrace-variants.txt"));
  GcTraceScanner sc;
  std::vector<int64_t> cycles;
  std::vector<double> live;
  for (std::string l; std::getline(in, l);) {
    if (auto g = sc.feed(l)) {
      cycles.push_back(g->cycle);
      live.push_back(g->heap_live_mib);
    }
  }
  EXPECT_EQ(cycles, (std::vector<int64_t>{1, 2, 4, 5}));
  EXPECT_EQ(live, (std::vector<double>{0, 1525, 7, 8}));
}

TEST(GcTraceScanner, ParsesEveryLineOfARealGo119Run) {
  std::istringstream in(testdata("gctrace-go1.19.txt"));
  GcTraceScanner sc;
  int64_t expected = 1;
  int lines = 0;
  for (std::string l; std::getline(in, l);) {
    ++lines;
    auto g = sc.feed(l);
    ASSERT_TRUE(g) << l;
    EXPECT_EQ(g->cycle, expected++);
    EXPECT_EQ(g->procs, 2);
  }
  EXPECT_GT(lines, 10);
}

}  // namespace
}  // namespace soak
