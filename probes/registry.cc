#include "probes/registry.h"

#include "probes/go_probes.h"
#include "probes/heap_probe.h"
#include "probes/proc_probe.h"

namespace soak {

Result<std::vector<std::unique_ptr<Probe>>> make_probes(const ProbeOptions& options) {
  std::vector<std::unique_ptr<Probe>> probes;
  if (options.local_sut) probes = make_proc_probes(options);
  if (options.local_sut && options.native_heap_dir)
    probes.push_back(make_native_heap_probe(*options.native_heap_dir, options.interval));
  auto go = make_go_probes(options);
  if (!go) return go.error();
  for (auto& p : *go) probes.push_back(std::move(p));
  return probes;
}

}  // namespace soak
