#include "common/series.h"

#include <set>

#include <gtest/gtest.h>

namespace soak {
namespace {

TEST(Series, CanonicalTableAndUnits) {
  ASSERT_NE(find_series("rss_bytes"), nullptr);
  EXPECT_EQ(series_unit("rss_bytes"), "bytes");
  EXPECT_EQ(series_unit("threads"), "count");
  EXPECT_EQ(series_kind("cpu_seconds"), SeriesKind::kCounter);
  EXPECT_EQ(series_kind("latency_p99_ms"), SeriesKind::kLatency);
  EXPECT_EQ(series_unit("prom:process_resident_memory_bytes"), "bytes");
  EXPECT_EQ(series_kind("prom:http_requests_total{code=\"200\"}"), SeriesKind::kCounter);
  EXPECT_EQ(find_series("nope"), nullptr);
}

TEST(Series, HeapAliasPrefersTheLiveHeap) {
  std::set<std::string> have = {"rss_bytes", "rss_anon_bytes", "go_heap_alloc_bytes",
                                "go_heap_live_bytes"};
  auto avail = [&](std::string_view s) { return have.count(std::string(s)) > 0; };
  EXPECT_EQ(*resolve_budget_target("heap", avail), "go_heap_live_bytes");
  have.erase("go_heap_live_bytes");
  EXPECT_EQ(*resolve_budget_target("heap", avail), "go_heap_alloc_bytes");
  have.erase("go_heap_alloc_bytes");
  EXPECT_EQ(*resolve_budget_target("heap", avail), "rss_anon_bytes");
  EXPECT_EQ(*resolve_budget_target("rss", avail), "rss_bytes");
}

TEST(Series, UnresolvableTargetsSayWhatWasNeeded) {
  auto none = [](std::string_view) { return false; };
  EXPECT_EQ(resolve_budget_target("goroutines", none).message(),
            "no probe produces series \"goroutines\"");
  EXPECT_NE(resolve_budget_target("heap", none).message().find("go_heap_live_bytes"),
            std::string::npos);
  EXPECT_NE(resolve_budget_target("foo", none).message().find("unknown series \"foo\""),
            std::string::npos);
}

}  // namespace
}  // namespace soak
