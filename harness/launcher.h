// Launching the SUT through the spawn module (common/spawn.h): an own process
// group and a death signal, the harness's environment plus the configured
// one, stdout/stderr into pipes the log capture reads. The Child owns the
// whole process group: destroying it stops the group (SIGTERM, grace,
// SIGKILL).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/spawn.h"
#include "common/summary.h"

namespace soak {

/// As summary.json and events.jsonl write it: {"code": N} or {"signal": "SIGKILL"}.
SutExit to_sut_exit(const ExitStatus& status, bool oom_killed);

struct LaunchSpec {
  std::vector<std::string> command;       // argv; argv[0] looked up in PATH
  std::filesystem::path cwd = ".";
  std::map<std::string, std::string> env;  // added to (overriding) the harness's own
  /// Between fork and exec, async-signal-safe only (SpawnOptions::child_setup).
  std::function<int()> child_setup;
};

/// Launches the SUT with stdout and stderr into new pipes (Child::take_stdout
/// / take_stderr). Call from a thread that outlives the SUT (death signal).
Result<std::unique_ptr<Child>> launch_sut(const LaunchSpec& spec);

/// Merges GODEBUG=gctrace=1 into `env` (appending to a GODEBUG given there or
/// inherited, with a comma).
void merge_gctrace(std::map<std::string, std::string>& env);

}  // namespace soak
