#include "probes/prometheus.h"

#include <gtest/gtest.h>

#include <cmath>

#include "probes/prometheus_probe.h"
#include "tests/testing/recording_sink.h"
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

// --metrics-max-series: the first N distinct series over the run are kept,
// later ones dropped; one warning names how many and the first of them.
TEST(MetricsProbe, KeepsAtMostMaxSeriesAndWarnsOnceNamingTheDropped) {
  testing::RecordingSink sink;
  MetricsProbe probe(*parse_url("http://127.0.0.1:1/metrics"), std::chrono::seconds(1), {}, {}, 3, &sink);
  auto first = parse_prometheus(
      "go_goroutines 7\nprocess_start_time_seconds 1.7e9\nreq_total{path=\"/a\"} 1\nreq_total{path=\"/b\"} 2\n"
      "queue_depth 5\n");
  ASSERT_TRUE(first);
  std::map<std::string, double> got;
  for (auto& r : probe.readings(*first)) got[r.series] = r.value;
  // Three counted prom: series; go_goroutines (and goroutines mapped from
  // it) and process_start_time_seconds, which soak reads itself, uncounted.
  EXPECT_EQ(got.size(), 6u);
  EXPECT_EQ(got.at("goroutines"), 7);
  EXPECT_EQ(got.at("prom:go_goroutines"), 7);
  EXPECT_EQ(got.at("prom:process_start_time_seconds"), 1.7e9);
  EXPECT_EQ(got.at("prom:queue_depth"), 5);
  EXPECT_EQ(probe.dropped_last(), 0u);
  EXPECT_TRUE(sink.of("warning").empty());

  // Eight new label values arrive: the kept ones keep being recorded, the
  // new ones are dropped; the mapped series is not counted against the cap.
  std::string text = "go_goroutines 9\nreq_total{path=\"/a\"} 3\nreq_total{path=\"/b\"} 4\n";
  text += "go_threads 12\n";  // first seen now, but soak reads it itself: kept
  for (int i = 0; i < 8; ++i) text += "req_total{path=\"/new" + std::to_string(i) + "\"} 1\n";
  auto second = parse_prometheus(text);
  ASSERT_TRUE(second);
  got.clear();
  for (auto& r : probe.readings(*second)) got[r.series] = r.value;
  EXPECT_EQ(got.size(), 6u);  // req_total /a and /b, go_goroutines, goroutines, go_threads, threads
  EXPECT_EQ(got.at("prom:req_total{path=\"/b\"}"), 4);
  EXPECT_EQ(got.at("prom:go_threads"), 12);
  EXPECT_EQ(got.at("threads"), 12);
  EXPECT_EQ(got.count("prom:queue_depth"), 0u);  // absent from this scrape
  EXPECT_EQ(got.at("goroutines"), 9);
  EXPECT_EQ(got.count("prom:req_total{path=\"/new0\"}"), 0u);
  EXPECT_EQ(probe.dropped_last(), 8u);
  auto warnings = sink.of("warning");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0]["source"], "metrics");
  EXPECT_EQ(warnings[0]["dropped"], 8);
  EXPECT_EQ(warnings[0]["message"],
            "metrics: 8 series beyond --metrics-max-series 3 were not recorded (first: prom:req_total{path=\"/new0\"}, "
            "prom:req_total{path=\"/new1\"}, prom:req_total{path=\"/new2\"}, prom:req_total{path=\"/new3\"}, "
            "prom:req_total{path=\"/new4\"}, ...); raise --metrics-max-series to keep them");

  // Later scrapes that drop again do not warn again.
  (void)probe.readings(*second);
  EXPECT_EQ(probe.dropped_last(), 8u);
  EXPECT_EQ(sink.of("warning").size(), 1u);
}

TEST(MetricsProbe, DefaultCapKeepsTheExampleExpositionWhole) {
  auto ex = parse_prometheus(testdata("metrics-client_golang.txt"));
  ASSERT_TRUE(ex);
  testing::RecordingSink sink;
  MetricsProbe probe(*parse_url("http://127.0.0.1:1/metrics"), std::chrono::seconds(1), {}, {},
                     kDefaultMetricsMaxSeries, &sink);
  EXPECT_FALSE(probe.readings(*ex).empty());
  EXPECT_EQ(probe.dropped_last(), 0u);
  EXPECT_TRUE(sink.of("warning").empty());
}

}  // namespace
}  // namespace soak
