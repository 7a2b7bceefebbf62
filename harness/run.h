// `soak run`: launch, wait for readiness, load, sample, stop, judge, report.
#pragma once

#include "harness/config.h"

namespace soak {

/// Runs a validated configuration to its end and returns the exit code
/// (DESIGN.md section 3). The run directory is written as the run goes.
int run_soak(const RunConfig& config);

}  // namespace soak
