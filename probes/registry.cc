#include "probes/registry.h"

namespace soak {

Result<std::vector<std::unique_ptr<Probe>>> make_probes(const ProbeOptions&) {
  return make_error("probes: not implemented yet");
}

}  // namespace soak
