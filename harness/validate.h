// Validation of a run configuration before anything is launched
// (DESIGN.md section 1: "all errors before anything is launched").
#pragma once

#include "common/result.h"
#include "harness/config.h"

namespace soak {

/// Checks `config` and normalises it for the run: cwd and the SUT program
/// become absolute paths, `resolved` is filled. Every error names the flag
/// or config key, the text and what was expected; main() exits 2 on it.
/// Builds (never starts) the probes and workloads to learn which series the
/// run can produce, so a budget on a series nobody produces fails here.
Status validate_run_config(RunConfig& config);

/// PATH lookup like execvp: a name with a '/' is taken relative to `cwd`;
/// otherwise each directory of `path_env` is tried. Returns the absolute
/// path of an executable regular file.
Result<std::filesystem::path> find_program(const std::string& name, const std::filesystem::path& cwd,
                                           const std::string& path_env);

}  // namespace soak
