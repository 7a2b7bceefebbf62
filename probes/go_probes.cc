#include "probes/go_probes.h"

#include <set>

#include <fmt/format.h>

#include "probes/gctrace_probe.h"
#include "probes/go_probe.h"
#include "probes/proc_probe.h"
#include "probes/prometheus_probe.h"

namespace soak {

Result<std::vector<std::unique_ptr<Probe>>> make_go_probes(const ProbeOptions& options) {
  std::vector<std::unique_ptr<Probe>> probes;
  std::set<std::string> direct;
  if (options.go_url) {
    auto u = parse_url(*options.go_url);
    if (!u) return make_error(fmt::format("--go \"{}\": {}", *options.go_url, u.message()));
    // The default adapts to the run's length and to the probe's cost
    // (duty-cycle limit); an interval the user gave is kept exactly.
    auto interval = options.go_interval.value_or(GoProbe::default_interval(options.interval, options.duration));
    int duty = options.go_interval ? 0 : GoProbe::kDutyFactor;
    // Forced-GC live-heap readings: rate-limited by default, zero turns them
    // off. Under --gctrace the trace line of the forced GC is the reading.
    auto live_every =
        options.go_live_heap.value_or(GoProbe::default_live_heap_every(interval, options.duration));
    probes.push_back(std::make_unique<GoProbe>(std::move(*u), interval, duty, live_every, !options.gctrace, options.http));
  }
  // With --go, NumGC from expvar is the one source of go_gc_cycles.
  if (options.gctrace)
    probes.push_back(std::make_unique<GcTraceProbe>(options.interval, 100000, !options.go_url));
  if (options.metrics_url) {
    auto u = parse_url(*options.metrics_url);
    if (!u) return make_error(fmt::format("--metrics \"{}\": {}", *options.metrics_url, u.message()));
    // Series the other probes already produce are not mapped from the
    // scrape: the process probe runs whenever soak launched the SUT
    // (registry.cc).
    for (const auto& p : probes)
      for (auto& s : p->series()) direct.insert(s);
    if (options.local_sut)
      for (const auto& p : make_proc_probes(options))
        for (auto& s : p->series()) direct.insert(s);
    auto interval = options.metrics_interval.value_or(options.interval);
    probes.push_back(std::make_unique<MetricsProbe>(std::move(*u), interval, std::move(direct), options.http,
                                                    options.metrics_max_series, options.events));
  }
  return probes;
}

}  // namespace soak
