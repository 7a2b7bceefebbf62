// The "metrics" probe (--metrics URL): scrapes a Prometheus text (0.0.4) or
// OpenMetrics endpoint and records samples as prom:NAME{labels}; maps
// client_golang's default metrics onto canonical series that no direct probe
// produces (go_goroutines -> goroutines, ...).
#pragma once

#include <set>
#include <string>
#include <unordered_set>

#include "common/event_sink.h"
#include "net/http_client.h"
#include "probes/connect_grace.h"
#include "probes/probe.h"
#include "probes/prometheus.h"

namespace soak {

/// client_golang default metric -> canonical series (DESIGN.md section 5).
const std::vector<std::pair<std::string_view, std::string_view>>& prom_canonical_map();

/// Unlabelled client_golang series soak reads itself and records outside
/// the --metrics-max-series cap: the sources of prom_canonical_map and what
/// the watch of a service soak did not launch reads (process start time, CPU
/// and GC counters: restarts).
bool prom_always_kept(std::string_view sample_name);

class MetricsProbe : public Probe {
 public:
  /// `direct`: canonical series other probes of the run already produce;
  /// those are not mapped from the scrape (one source per series).
  /// `http`: headers and TLS settings of every scrape.
  /// `max_series`: at most this many distinct prom:* series are recorded
  /// over the run (the first seen); the rest are dropped, and the first
  /// scrape that drops any emits one `warning` event on `events` (count and
  /// the first names). prom_always_kept() series are not counted.
  MetricsProbe(Url url, Duration interval, std::set<std::string> direct, HttpSettings http = {},
               size_t max_series = kDefaultMetricsMaxSeries, EventSink* events = nullptr);

  std::string_view name() const override { return "metrics"; }
  Duration interval() const override { return interval_; }
  /// The mapped canonical names plus "prom:*" (any scraped series; their
  /// names are only known once the SUT runs).
  std::vector<std::string> series() const override;
  Result<std::vector<Reading>> sample(const Target& target) override;

  /// Readings from one parsed exposition, within the series cap (exposed
  /// for tests).
  std::vector<Reading> readings(const PromExposition& ex);
  /// prom:* series dropped by the latest scrape (0 when within the cap).
  size_t dropped_last() const { return dropped_last_; }

 private:
  void warn_dropped(const std::vector<std::string>& first, size_t count);

  Url url_;
  HttpSettings http_;
  Duration interval_;
  std::set<std::string> direct_;
  ConnectGrace grace_;
  size_t max_series_;
  EventSink* events_;
  std::unordered_set<std::string> kept_;  // at most max_series_ names
  size_t dropped_last_ = 0;
  bool warned_ = false;
};

}  // namespace soak
