#include "probes/culprits.h"

#include <gtest/gtest.h>

#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;

// Copies the captured pair of one example mode into a profiles dir the way
// the go probe names them (<label>-goroutine.txt, <label>-heap.txt).
void stage(const std::string& mode, const fs::path& dir) {
  fs::path td = testing::source_dir() / "probes/testdata/go";
  for (std::string label : {"warmup_end", "end"})
    for (std::string kind : {"goroutine", "heap"})
      fs::copy_file(td / (mode + "-" + label + "-" + kind + ".txt"), dir / (label + "-" + kind + ".txt"));
}

bool names(const std::vector<Culprit>& cs, const std::string& kind, const std::string& fn, size_t within = 3) {
  size_t seen = 0;
  for (auto& c : cs) {
    if (c.kind != kind) continue;
    if (seen++ >= within) break;
    if (c.function == fn) return true;
  }
  return false;
}

std::string dump(const std::vector<Culprit>& cs) {
  std::string s;
  for (auto& c : cs) s += c.kind + " " + c.function + " " + c.location + " " + std::to_string(c.before) + "->" + std::to_string(c.after) + "\n";
  return s;
}

TEST(Culprits, BlockedGoroutineIsTheTopGoroutineCulprit) {
  testing::TempDir d;
  stage("goroutine", d.path());
  auto cs = find_culprits(d.path());
  ASSERT_FALSE(cs.empty());
  EXPECT_EQ(cs[0].kind, "goroutines");
  EXPECT_EQ(cs[0].function, "main.blockedSender") << dump(cs);
  EXPECT_EQ(cs[0].location, "leaks.go:20");
  EXPECT_EQ(cs[0].after - cs[0].before, 200);  // 200 requests between the captures
  ASSERT_FALSE(cs[0].frames.empty());
  EXPECT_EQ(cs[0].frames[0].rfind("main.blockedSender ", 0), 0u);
}

TEST(Culprits, NamesTheLeakingFunctionOfEachMode) {
  struct Case {
    const char* mode;
    const char* kind;
    const char* function;
  } cases[] = {
      {"goroutine", "goroutines", "main.blockedSender"},
      {"loop", "goroutines", "main.pollForever"},
      {"ticker", "goroutines", "main.tickForever"},
      {"cache", "heap", "main.cacheValue"},
      {"slices", "heap", "main.readRecord"},
      {"closures", "heap", "main.leakClosures"},
      {"rows", "heap", "main.(*db).query"},
      {"body", "goroutines", "net/http.(*persistConn).readLoop"},
  };
  for (auto& c : cases) {
    testing::TempDir d;
    stage(c.mode, d.path());
    auto cs = find_culprits(d.path());
    EXPECT_TRUE(names(cs, c.kind, c.function)) << c.mode << ":\n" << dump(cs);
  }
}

TEST(Culprits, HealthyModeNamesNobody) {
  testing::TempDir d;
  stage("bounded-cache", d.path());  // full at warm-up end, flat after
  auto cs = find_culprits(d.path());
  EXPECT_TRUE(cs.empty()) << dump(cs);
}

TEST(Culprits, GrowthBelowNoiseIsIgnored) {
  testing::TempDir d;
  testing::write_file(d / "warmup_end-goroutine.txt", "goroutine profile: total 3\n3 @ 0x1\n#\t0x1\tmain.f+0x1\t/a.go:1\n");
  testing::write_file(d / "end-goroutine.txt",
                      "goroutine profile: total 6\n5 @ 0x1\n#\t0x1\tmain.f+0x1\t/a.go:1\n\n"
                      "1 @ 0x2\n#\t0x2\tmain.g+0x1\t/a.go:2\n");
  testing::write_file(d / "warmup_end-heap.txt", "heap profile: 1: 100 [1: 100] @ heap/1024\n"
                      "1: 100 [1: 100] @ 0x1\n#\t0x1\tmain.h+0x1\t/a.go:3\n");
  testing::write_file(d / "end-heap.txt", "heap profile: 2: 1100 [2: 1100] @ heap/1024\n"
                      "1: 1000 [1: 1000] @ 0x1\n#\t0x1\tmain.h+0x1\t/a.go:3\n\n"
                      "1: 5000 [1: 5000] @ 0x2\n#\t0x2\tmain.k+0x1\t/a.go:4\n");
  auto cs = find_culprits(d.path());
  ASSERT_EQ(cs.size(), 2u) << dump(cs);
  EXPECT_EQ(cs[0].function, "main.f");  // +2 goroutines; main.g's +1 is noise
  EXPECT_EQ(cs[1].function, "main.k");  // +5000 B; main.h's +900 B < one sample (1024)
  EXPECT_EQ(cs[1].location, "a.go:4");
}

TEST(Culprits, MissingOrBrokenProfilesYieldNothing) {
  testing::TempDir d;
  EXPECT_TRUE(find_culprits(d.path()).empty());
  EXPECT_TRUE(find_culprits(d.path() / "does-not-exist").empty());
  testing::write_file(d / "warmup_end-goroutine.txt", "garbage");
  testing::write_file(d / "end-goroutine.txt", "goroutine profile: total 3\n3 @ 0x1\n#\t0x1\tmain.f+0x1\t/a.go:1\n");
  auto cs = find_culprits(d.path());
  ASSERT_EQ(cs.size(), 1u);  // the broken baseline counts as empty
  EXPECT_EQ(cs[0].function, "main.f");
  EXPECT_EQ(cs[0].after, 3);
}

TEST(Culprits, NativeHeapProfilesAreComparedWarmupEndToEarlyFailAndNotReadAsGo) {
  // What the native_heap probe writes at warm-up end and on an early fail,
  // next to a Go heap profile pair (a Go SUT never has both; the names must
  // not mix: "-native-heap.txt" also ends in "-heap.txt").
  testing::TempDir d;
  const std::string frames = "frame handle_request\t/src/server.cc\t212\t/srv/server\n";
  testing::write_file(d / "warmup_end-native-heap.txt", "sample_interval 16384\nsite 1000000 60\n" + frames);
  testing::write_file(d / "early_fail-native-heap.txt", "sample_interval 16384\nsite 48000000 2900\n" + frames);
  testing::write_file(d / "warmup_end-heap.txt", "heap profile: 1: 100 [1: 100] @ heap/1024\n"
                      "1: 100 [1: 100] @ 0x1\n#\t0x1\tmain.h+0x1\t/a.go:3\n");
  testing::write_file(d / "end-heap.txt", "heap profile: 1: 9000 [1: 9000] @ heap/1024\n"
                      "1: 9000 [1: 9000] @ 0x1\n#\t0x1\tmain.h+0x1\t/a.go:3\n");
  auto cs = find_culprits(d.path());
  ASSERT_EQ(cs.size(), 2u) << dump(cs);
  EXPECT_EQ(cs[0].kind, "heap");
  EXPECT_EQ(cs[0].function, "main.h");
  EXPECT_EQ(cs[0].before, 100);  // the Go pair, not a native file
  EXPECT_EQ(cs[1].kind, "native_heap");
  EXPECT_EQ(cs[1].function, "handle_request");
  EXPECT_EQ(cs[1].location, "server.cc:212");
  EXPECT_EQ(cs[1].before, 1e6);
  EXPECT_EQ(cs[1].after, 48e6);
}

}  // namespace
}  // namespace soak
