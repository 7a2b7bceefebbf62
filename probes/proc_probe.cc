#include "probes/proc_probe.h"

namespace soak {

// Placeholder until the /proc probe lands: no probes.
std::vector<std::unique_ptr<Probe>> make_proc_probes(const ProbeOptions&) { return {}; }

}  // namespace soak
