#include "workloads/registry.h"

#include "workloads/cmd_workload.h"
#include "workloads/http_load.h"

namespace soak {

Status validate_workload(const WorkloadSpec& spec) {
  return spec.kind == WorkloadSpec::Kind::kHttp ? validate_http_workload(spec)
                                                 : validate_cmd_workload(spec);
}

Result<std::unique_ptr<Workload>> make_workload(const WorkloadSpec& spec) {
  return spec.kind == WorkloadSpec::Kind::kHttp ? make_http_workload(spec) : make_cmd_workload(spec);
}

}  // namespace soak
