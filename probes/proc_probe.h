// The process probe: rss, rss_anon, threads, fds, sockets, cpu_seconds of the
// SUT's whole process tree from /proc; pss from smaps_rollup at its own
// (slower) interval.
#pragma once

#include <memory>
#include <vector>

#include "probes/registry.h"

namespace soak {

/// The /proc probes for these options (a fast one and the pss one).
std::vector<std::unique_ptr<Probe>> make_proc_probes(const ProbeOptions& options);

}  // namespace soak
