// Builds the probes a run asks for.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/event_sink.h"
#include "common/result.h"
#include "common/units.h"
#include "net/http_client.h"
#include "probes/probe.h"
#include "probes/prometheus.h"

namespace soak {

struct ProbeOptions {
  Duration interval = std::chrono::seconds(1);       // base interval (--interval)
  Duration pss_interval = std::chrono::seconds(30);  // smaps_rollup is costly
  std::optional<std::string> go_url;       // --go
  Duration duration{};                     // the run's length (--duration): Go probe defaults adapt to it
  std::optional<Duration> go_interval;     // override of the Go probes' defaults
  /// Forced-GC live-heap readings of the go probe at most this often; zero:
  /// off; empty: GoProbe::default_live_heap_every.
  std::optional<Duration> go_live_heap;
  bool gctrace = false;                    // --gctrace
  std::optional<std::string> metrics_url;  // --metrics
  std::optional<Duration> metrics_interval;
  /// --metrics-max-series: distinct prom:* series kept over the run.
  size_t metrics_max_series = kDefaultMetricsMaxSeries;
  /// Where probes record notices (a `warning` event); may be null.
  EventSink* events = nullptr;
  /// --header, --token-file, --insecure: every request of --go and --metrics.
  HttpSettings http;
  /// False when soak did not launch the SUT (no command: a service observed
  /// only through --go/--metrics, possibly on another machine). Then there is
  /// no process probe, and --metrics maps client_golang's process_* metrics
  /// onto rss_bytes, fds, threads.
  bool local_sut = true;
  /// The directory where the allocation shim preloaded into the SUT
  /// publishes its pages (RUN_DIR/heap); empty = no native heap probe.
  std::optional<std::filesystem::path> native_heap_dir;
};

/// Every probe for these options, the process probe first (when the SUT is
/// local). Errors name the
/// option (e.g. a malformed --go URL).
Result<std::vector<std::unique_ptr<Probe>>> make_probes(const ProbeOptions& options);

}  // namespace soak
