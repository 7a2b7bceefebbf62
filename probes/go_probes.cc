#include "probes/go_probes.h"

namespace soak {

Result<std::vector<std::unique_ptr<Probe>>> make_go_probes(const ProbeOptions& options) {
  if (options.go_url || options.gctrace || options.metrics_url)
    return make_error("--go/--gctrace/--metrics: not implemented yet");
  return std::vector<std::unique_ptr<Probe>>{};
}

}  // namespace soak
