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

TEST(Culprits, HealthyModeHasNoLargeHeapGrowth) {
  testing::TempDir d;
  stage("bounded-cache", d.path());
  for (auto& c : find_culprits(d.path()))
    if (c.kind == "heap") EXPECT_NE(c.function, "main.cacheValue") << "bounded cache was full at warm-up end";
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

}  // namespace
}  // namespace soak
