#include "workloads/cmd_workload.h"

namespace soak {

Status validate_cmd_workload(const WorkloadSpec& spec) {
  if (spec.cmd.empty()) return make_error(spec.origin + ": empty command");
  return Status::Ok();
}

Result<std::unique_ptr<Workload>> make_cmd_workload(const WorkloadSpec& spec) {
  return make_error(spec.origin + ": the command workload is not implemented yet");
}

}  // namespace soak
