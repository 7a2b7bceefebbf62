// Builds workloads from their specs.
#pragma once

#include <memory>

#include "common/result.h"
#include "workloads/workload.h"

namespace soak {

/// Checks a spec before anything is launched; errors name spec.origin, the
/// key and what was expected.
Status validate_workload(const WorkloadSpec& spec);
Result<std::unique_ptr<Workload>> make_workload(const WorkloadSpec& spec);

}  // namespace soak
