#include "probes/prometheus.h"

#include <gtest/gtest.h>

#include <cmath>

#include "probes/prometheus_probe.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

std::string testdata(const std::string& name) {
  return testing::read_file(testing::source_dir() / "probes/testdata/go" / name);
}

const PromFamily* family(const PromExposition& ex, std::string_view name) {
  for (auto& f : ex.families)
    if (f.name == name) return &f;
  return nullptr;
}

TEST(Prometheus, ParsesClientGolangStyleText) {
  auto ex = parse_prometheus(testdata("metrics-client_golang.txt"));
  ASSERT_TRUE(ex) << ex.message();
  EXPECT_FALSE(ex->openmetrics);
  auto* gc = family(*ex, "go_gc_duration_seconds");
  ASSERT_TRUE(gc);
  EXPECT_EQ(gc->type, MetricType::kSummary);
  EXPECT_EQ(gc->samples.size(), 7u);  // 5 quantiles + _sum + _count
  auto* h = family(*ex, "http_request_duration_seconds");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->type, MetricType::kHistogram);
  EXPECT_EQ(h->help, "Request latency.\nSecond line with a \\ backslash.");
  EXPECT_EQ(h->samples.size(), 5u);
  auto* req = family(*ex, "http_requests_total");
  ASSERT_TRUE(req);
  ASSERT_EQ(req->samples.size(), 2u);
  EXPECT_EQ(req->samples[0].labels.size(), 2u);  // trailing comma accepted
  EXPECT_EQ(req->samples[0].timestamp_ms, 1395066363000);
  auto* ms = family(*ex, "msdos_file_access_time_seconds");
  ASSERT_TRUE(ms);
  EXPECT_EQ(ms->samples[0].labels[0].second, "C:\\DIR\\FILE.TXT");
  EXPECT_EQ(ms->samples[0].labels[1].second, "Cannot find file:\n\"FILE.TXT\"");
  EXPECT_TRUE(std::isnan(family(*ex, "queue_ratio")->samples[0].value));
  EXPECT_EQ(family(*ex, "queue_max")->samples[0].value, INFINITY);
  EXPECT_EQ(family(*ex, "untyped_metric")->samples[0].value, -INFINITY);
  EXPECT_EQ(family(*ex, "something_weird")->samples[0].timestamp_ms, -3982045);
}

TEST(Prometheus, SeriesNamesSortLabelsAndEscape) {
  auto ex = parse_prometheus(testdata("metrics-client_golang.txt"));
  ASSERT_TRUE(ex);
  EXPECT_EQ(prom_series_name(family(*ex, "http_requests_total")->samples[0]),
            "prom:http_requests_total{code=\"200\",method=\"get\"}");
  EXPECT_EQ(prom_series_name(family(*ex, "msdos_file_access_time_seconds")->samples[0]),
            "prom:msdos_file_access_time_seconds{error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\","
            "path=\"C:\\\\DIR\\\\FILE.TXT\"}");
  EXPECT_EQ(prom_series_name(family(*ex, "go_goroutines")->samples[0]), "prom:go_goroutines");
}

TEST(Prometheus, ParsesOpenMetrics) {
  auto ex = parse_prometheus(testdata("metrics-openmetrics.txt"));
  ASSERT_TRUE(ex) << ex.message();
  EXPECT_TRUE(ex->openmetrics);
  auto* cpu = family(*ex, "process_cpu_seconds");
  ASSERT_TRUE(cpu);
  EXPECT_EQ(cpu->type, MetricType::kCounter);
  ASSERT_EQ(cpu->samples.size(), 1u);
  EXPECT_EQ(cpu->samples[0].name, "process_cpu_seconds_total");
  EXPECT_EQ(cpu->samples[0].timestamp_ms, 1605281325500);  // seconds -> ms
  auto* req = family(*ex, "http_requests");
  ASSERT_TRUE(req);
  EXPECT_EQ(req->samples[0].value, 12);  // exemplar ignored
}

TEST(Prometheus, MalformedLinesAreErrorsNamingTheLine) {
  struct Case {
    const char* text;
    const char* needle;
  } cases[] = {
      {"ok 1\nbad{a=\"x\" 1\n", "line 2"},
      {"m{a=\"unterminated} 1\n", "unterminated"},
      {"m{a=\"x\"} notanumber\n", "not a sample value"},
      {"m 1 2 3\n", "unexpected text"},
      {"m{=\"x\"} 1\n", "label name"},
      {"m{a=\"\\q\"} 1\n", "invalid escape"},
      {"{a=\"x\"} 1\n", "metric name"},
      {"# TYPE\n", "without a metric name"},
      {"m 1\n# EOF\nm 2\n", "after \"# EOF\""},
      {"m 1 ts\n", "timestamp"},
  };
  for (auto& c : cases) {
    auto r = parse_prometheus(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_NE(r.message().find(c.needle), std::string::npos) << c.text << " -> " << r.message();
    EXPECT_EQ(r.message().rfind("metrics: line ", 0), 0u) << r.message();
  }
  // every truncation of a valid exposition parses or fails, never crashes
  std::string text = testdata("metrics-client_golang.txt");
  for (size_t n = 0; n < text.size(); n += 13) (void)parse_prometheus(std::string_view(text).substr(0, n));
}

TEST(MetricsProbe, RecordsGaugesCountersAndOnlySumCountOfHistograms) {
  auto ex = parse_prometheus(testdata("metrics-client_golang.txt"));
  ASSERT_TRUE(ex);
  MetricsProbe probe(*parse_url("http://127.0.0.1:1/metrics"), std::chrono::seconds(1), {"rss_bytes", "fds", "threads"});
  std::map<std::string, double> got;
  for (auto& r : probe.readings(*ex)) got[r.series] = r.value;
  EXPECT_EQ(got.at("prom:go_goroutines"), 37);
  EXPECT_EQ(got.at("goroutines"), 37);                   // mapped: no direct probe
  EXPECT_EQ(got.at("go_heap_alloc_bytes"), 4194304);
  EXPECT_EQ(got.count("rss_bytes"), 0u);                 // the proc probe has it
  EXPECT_EQ(got.count("threads"), 0u);
  EXPECT_EQ(got.at("prom:process_resident_memory_bytes"), 15708160);
  EXPECT_EQ(got.at("prom:go_gc_duration_seconds_count"), 142);
  EXPECT_EQ(got.count("prom:go_gc_duration_seconds{quantile=\"0.5\"}"), 0u);
  EXPECT_EQ(got.at("prom:http_request_duration_seconds_sum{handler=\"/api\"}"), 0.92);
  EXPECT_EQ(got.count("prom:http_request_duration_seconds_bucket{handler=\"/api\",le=\"+Inf\"}"), 0u);
  EXPECT_EQ(got.count("prom:queue_ratio"), 0u);  // NaN: no value this time
  auto series = probe.series();
  EXPECT_NE(std::find(series.begin(), series.end(), "goroutines"), series.end());
  EXPECT_EQ(std::find(series.begin(), series.end(), "rss_bytes"), series.end());
}

}  // namespace
}  // namespace soak
