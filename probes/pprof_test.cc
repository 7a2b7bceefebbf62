#include "probes/pprof.h"

#include <gtest/gtest.h>

#include "tests/testing/testing.h"

namespace soak {
namespace {

std::string testdata(const std::string& name) {
  return testing::read_file(testing::source_dir() / "probes/testdata/go" / name);
}

TEST(GoroutineProfile, ParsesCapturedProfileOfTheExample) {
  auto p = parse_goroutine_profile(testdata("goroutine-end-goroutine.txt"));
  ASSERT_TRUE(p) << p.message();
  EXPECT_EQ(p->total, 225);
  ASSERT_FALSE(p->records.empty());
  int64_t sum = 0;
  for (auto& r : p->records) sum += r.count;
  EXPECT_EQ(sum, p->total);
  const auto& top = p->records.front();
  EXPECT_EQ(top.count, 220);
  ASSERT_EQ(top.frames.size(), 1u);
  EXPECT_EQ(top.frames[0].function, "main.blockedSender");
  EXPECT_EQ(top.frames[0].line, 20);
  EXPECT_NE(top.frames[0].file.find("leaks.go"), std::string::npos);
}

TEST(GoroutineProfile, ReadsLabelsAndTabwriterPadding) {
  auto p = parse_goroutine_profile(
      "goroutine profile: total 4\n"
      "3 @ 0x43a1b6 0x4065cc 0x4660e1\n"
      "# labels: {\"handler\":\"api\"}\n"
      "#\t0x4065cb\tmain.worker+0x2b\t\t/src/main.go:42\n"
      "#   0x4065ff   main.(*pool).run.func1+0x1f   /src/pool.go:7\n"
      "\n"
      "1 @ 0x1\n"
      "#\t0x1\tmain.main+0x1\t/src/main.go:9\n");
  ASSERT_TRUE(p) << p.message();
  ASSERT_EQ(p->records.size(), 2u);
  EXPECT_EQ(p->records[0].labels, "{\"handler\":\"api\"}");
  ASSERT_EQ(p->records[0].frames.size(), 2u);
  EXPECT_EQ(p->records[0].frames[1].function, "main.(*pool).run.func1");
  EXPECT_EQ(p->records[0].frames[1].file, "/src/pool.go");
  EXPECT_EQ(format_frame(p->records[0].frames[0]), "main.worker /src/main.go:42");
}

TEST(GoroutineProfile, ErrorsNameTheProblem) {
  auto a = parse_goroutine_profile("<html>404 page not found</html>");
  ASSERT_FALSE(a);
  EXPECT_NE(a.message().find("goroutine profile: expected"), std::string::npos) << a.message();
  auto b = parse_goroutine_profile("goroutine profile: total lots\n");
  ASSERT_FALSE(b);
  EXPECT_NE(b.message().find("line 1"), std::string::npos) << b.message();
  auto c = parse_goroutine_profile("goroutine profile: total 3\nthree @ 0x1\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.message().find("line 2"), std::string::npos) << c.message();
  EXPECT_FALSE(parse_goroutine_profile(""));
}

TEST(GoroutineProfile, TruncatedCaptureNeverCrashes) {
  std::string text = testdata("goroutine-end-goroutine.txt");
  for (size_t n = 0; n < text.size(); n += 7) {
    auto p = parse_goroutine_profile(std::string_view(text).substr(0, n));
    if (p) EXPECT_EQ(p->total, 225);
  }
}

TEST(HeapProfile, ParsesRecordsAndMemStatsFooter) {
  auto p = parse_heap_profile(testdata("cache-end-heap.txt"));
  ASSERT_TRUE(p) << p.message();
  EXPECT_EQ(p->sampling_rate, 8192);  // 2 * MemProfileRate (4096 in the example)
  EXPECT_FALSE(p->records.empty());
  EXPECT_EQ(p->memstats.at("HeapAlloc"), 3831904);
  EXPECT_EQ(p->memstats.at("NumGC"), 3);
  EXPECT_EQ(p->memstats.at("Stack"), 491520);  // "in-use / sys": the first
  EXPECT_EQ(p->memstats.count("PauseNs"), 0u);  // arrays are skipped
  bool cache_site = false;
  for (auto& r : p->records)
    for (auto& f : r.frames)
      if (f.function == "main.cacheValue") cache_site = r.inuse_bytes > 0;
  EXPECT_TRUE(cache_site);
}

TEST(HeapProfile, ErrorsAndTruncation) {
  auto a = parse_heap_profile("heap profile: x: 1 [2: 3] @ heap/1\n");
  ASSERT_FALSE(a);
  EXPECT_NE(a.message().find("line 1"), std::string::npos) << a.message();
  auto b = parse_heap_profile("heap profile: 1: 2 [3: 4] @ heap/8\n1: 2 [3 4] @ 0x1\n");
  ASSERT_FALSE(b);
  EXPECT_NE(b.message().find("line 2"), std::string::npos) << b.message();
  std::string text = testdata("cache-end-heap.txt");
  for (size_t n = 0; n < text.size(); n += 97) (void)parse_heap_profile(std::string_view(text).substr(0, n));
}

// Found by fuzz/pprof_fuzz (scripts/fuzz.sh): "heap/" at the end of the
// header line indexed an empty list of fields.
TEST(HeapProfile, HeaderEndingInHeapSlashHasNoSamplingRate) {
  auto p = parse_heap_profile("heap profile: 2: 512 [2: 512] @ heap/\n1: 416 [1: 416] @ 0x4433c8\n");
  ASSERT_TRUE(p) << p.message();
  EXPECT_EQ(p->inuse_bytes, 512);
  EXPECT_EQ(p->records.size(), 1u);
  EXPECT_EQ(p->sampling_rate, 0);
}

TEST(StdlibFunction, TellsStandardLibraryFromUserCode) {
  EXPECT_TRUE(is_stdlib_function("runtime.gopark"));
  EXPECT_TRUE(is_stdlib_function("net/http.(*persistConn).readLoop"));
  EXPECT_TRUE(is_stdlib_function("time.Sleep"));
  EXPECT_FALSE(is_stdlib_function("main.blockedSender"));
  EXPECT_FALSE(is_stdlib_function("main.(*db).query"));
  EXPECT_FALSE(is_stdlib_function("github.com/acme/app/store.(*Cache).Put"));
}

}  // namespace
}  // namespace soak
