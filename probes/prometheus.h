// Parser for the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0
// text (REFERENCE.md "Prometheus text exposition"), and the series names soak
// records scraped samples under. Pure; a malformed line is an error naming
// the line (like a Prometheus scrape, the whole scrape then fails).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace soak {

/// Default of --metrics-max-series / probes.metrics_max_series: distinct
/// scraped series recorded per run.
constexpr size_t kDefaultMetricsMaxSeries = 500;

enum class MetricType { kUntyped, kCounter, kGauge, kHistogram, kSummary, kOther };

struct PromSample {
  std::string name;  // as written: "http_requests_total", "x_bucket", "x_sum"
  std::vector<std::pair<std::string, std::string>> labels;  // unescaped, as written
  double value = 0;
  std::optional<int64_t> timestamp_ms;  // OpenMetrics seconds are converted
};

struct PromFamily {
  std::string name;  // from # TYPE / # HELP, or the sample name when untyped
  MetricType type = MetricType::kUntyped;
  std::string help;  // unescaped
  std::vector<PromSample> samples;
};

struct PromExposition {
  std::vector<PromFamily> families;
  bool openmetrics = false;  // ended with "# EOF"
};

Result<PromExposition> parse_prometheus(std::string_view text);

/// "prom:NAME{a=\"x\",b=\"y\"}": labels sorted by name, values escaped as in
/// the exposition format (\\, \", \n); "prom:NAME" without labels.
std::string prom_series_name(const PromSample& s);

/// The samples soak records from a family by default: every sample of
/// gauges, counters and untyped metrics; only _sum and _count of histograms
/// and summaries (buckets and quantiles would be hundreds of series).
bool prom_sample_recorded(const PromFamily& family, const PromSample& sample);

}  // namespace soak
