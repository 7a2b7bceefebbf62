// Go and Prometheus probes: --go (pprof goroutines, expvar MemStats),
// --gctrace (stderr parser), --metrics (Prometheus text scraper).
#pragma once

#include <memory>
#include <vector>

#include "probes/registry.h"

namespace soak {

/// Probes for options.go_url, options.gctrace and options.metrics_url (none
/// when unset). Errors name the option and the reason.
Result<std::vector<std::unique_ptr<Probe>>> make_go_probes(const ProbeOptions& options);

}  // namespace soak
