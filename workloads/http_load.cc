#include "workloads/http_load.h"

namespace soak {

Status validate_http_workload(const WorkloadSpec& spec) {
  return make_error(spec.origin + ": the built-in HTTP workload is not implemented yet");
}

Result<std::unique_ptr<Workload>> make_http_workload(const WorkloadSpec& spec) {
  return make_error(spec.origin + ": the built-in HTTP workload is not implemented yet");
}

}  // namespace soak
