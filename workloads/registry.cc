#include "workloads/registry.h"

namespace soak {

Status validate_workload(const WorkloadSpec& spec) {
  return make_error(spec.origin + ": workloads not implemented yet");
}

Result<std::unique_ptr<Workload>> make_workload(const WorkloadSpec& spec) {
  return make_error(spec.origin + ": workloads not implemented yet");
}

}  // namespace soak
