// The built-in HTTP load generator (--workload http://..., workloads[].http).
#pragma once

#include <memory>

#include "common/result.h"
#include "workloads/workload.h"

namespace soak {

/// Checks spec.http (a JSON object: url, rate, connections, requests, ...).
Status validate_http_workload(const WorkloadSpec& spec);
Result<std::unique_ptr<Workload>> make_http_workload(const WorkloadSpec& spec);

}  // namespace soak
