// Launching the SUT: Boost.Process v2 with an own process group and a death
// signal, the harness's environment plus the configured one, stdout/stderr
// into pipes the log capture reads. The Child object owns the whole process
// group: destroying it stops the group (SIGTERM, grace, SIGKILL).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/posix.h"
#include "common/result.h"
#include "common/summary.h"
#include "common/units.h"

namespace soak {

/// How a process ended.
struct ExitStatus {
  std::optional<int> code;    // exited normally
  std::optional<int> signal;  // killed by this signal
};

/// "SIGKILL" for 9; "SIG<n>" when unknown.
std::string signal_name(int sig);
/// As summary.json and events.jsonl write it: {"code": N} or {"signal": "SIGKILL"}.
SutExit to_sut_exit(const ExitStatus& status, bool oom_killed);

struct LaunchSpec {
  std::vector<std::string> command;       // argv; argv[0] looked up in PATH
  std::filesystem::path cwd = ".";
  std::map<std::string, std::string> env;  // added to (overriding) the harness's own
};

/// The launched SUT. Thread-safe.
class Child {
 public:
  /// Launches `spec` with stdout and stderr into new pipes (see take_stdout /
  /// take_stderr). Must be called from a thread that outlives the child: the
  /// death signal (PR_SET_PDEATHSIG) follows the thread that forked.
  static Result<std::unique_ptr<Child>> launch(const LaunchSpec& spec);
  /// Stops the whole process group if it is still there (grace 2 s).
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  /// Read ends of the child's stdout / stderr pipes (once).
  Fd take_stdout() { return std::move(out_); }
  Fd take_stderr() { return std::move(err_); }

  /// The exit status once the child has ended (reaped by its own thread).
  std::optional<ExitStatus> exit_status() const;
  /// Waits up to `timeout` for the child to end.
  std::optional<ExitStatus> wait_for(Duration timeout) const;
  /// SIGTERM to the group, up to `grace` for the leader and the rest of the
  /// group to end, then SIGKILL to whatever remains. Idempotent. Returns the
  /// leader's exit status.
  ExitStatus stop(Duration grace);

 private:
  Child() = default;
  bool group_alive() const;

  struct Impl;
  std::unique_ptr<Impl> impl_;
  pid_t pid_ = -1;
  Fd out_, err_;
  std::thread reaper_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::optional<ExitStatus> status_;
};

/// Merges GODEBUG=gctrace=1 into `env` (appending to a GODEBUG given there or
/// inherited, with a comma).
void merge_gctrace(std::map<std::string, std::string>& env);

/// The oom_kill counter of /proc/vmstat (empty when unreadable).
std::optional<long long> read_oom_kill_count();

}  // namespace soak
