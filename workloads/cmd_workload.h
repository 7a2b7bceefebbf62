// The external command workload (--workload cmd:..., workloads[].cmd).
#pragma once

#include <memory>

#include "common/result.h"
#include "workloads/workload.h"

namespace soak {

Status validate_cmd_workload(const WorkloadSpec& spec);
Result<std::unique_ptr<Workload>> make_cmd_workload(const WorkloadSpec& spec);

}  // namespace soak

namespace soak {

/// `{duration_s}` (whole seconds, rounded up) and `{url}` expanded.
std::string expand_cmd_placeholders(const std::string& cmd, const WorkloadContext& ctx);

}  // namespace soak
