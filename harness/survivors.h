// No survivors: every process soak started, directly or not, ends with the
// run, even when soak itself is SIGKILLed.
//
// - soak is a child subreaper during a run (become_subreaper): a descendant
//   that daemonizes (double fork + setsid) is re-parented to soak, not to
//   init, so it stays a descendant and findable through /proc.
// - Descendants tracks that tree by pid + start time + process group, so it
//   can still end the processes after they were orphaned, and never signals
//   a stranger that reused a pid.
// - A watchdog process (soak re-executed as `soak __watchdog`, in its own
//   process group, no death signal, deaf to SIGINT/SIGTERM/SIGHUP) scans
//   soak's tree every 200 ms and, when the pipe from soak closes (soak ended
//   in any way, SIGKILL included), ends every process it saw and their
//   process groups.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <set>

#include "common/result.h"
#include "common/spawn.h"
#include "common/units.h"
#include "probes/proc.h"

namespace soak {

/// The descendants of one process, remembered between scans. One thread.
class Descendants {
 public:
  /// `exclude`: pids never signalled (the watchdog itself).
  Descendants(pid_t root, std::set<pid_t> exclude);

  /// Records the root's current descendants (children files: cheap);
  /// forgets the ones that ended. Quiet when the root is gone.
  void scan();
  /// Ends every process recorded and still the same process, plus the
  /// processes found (by a full /proc scan) whose parent is one of them or
  /// that belong to one of their process groups: SIGTERM, up to `grace` for
  /// them to end, then SIGKILL until none is left (at most a few seconds).
  /// Returns the pids that were still alive.
  std::vector<pid_t> end_all(Duration grace);
  size_t size() const { return known_.size(); }

 private:
  struct Known {
    uint64_t start = 0;
    pid_t pgrp = 0;
  };
  /// Recorded processes still alive, with those found through their parent
  /// or group added (to closure).
  std::vector<pid_t> alive_and_related();
  bool excluded(pid_t pid) const;

  pid_t root_;
  std::set<pid_t> exclude_;
  uint64_t root_start_ = 0;
  pid_t root_pgrp_ = 0;
  ProcReader reader_;
  ProcTree tree_;
  std::map<pid_t, Known> known_;
};

/// The watchdog's main (`soak __watchdog SOAK_PID`, the pipe from soak on
/// fd 3). Returns its exit code.
int watchdog_main(pid_t soak_pid, int pipe_fd);

/// In soak: the running watchdog. Destroying it (the end of a run) closes the
/// pipe; the watchdog then ends whatever is left and exits.
class Watchdog {
 public:
  /// Starts `exe __watchdog` (exe: this binary, /proc/self/exe).
  static Result<std::unique_ptr<Watchdog>> start(const std::filesystem::path& exe = "/proc/self/exe");
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  pid_t pid() const { return child_->pid(); }
  /// Asks the watchdog to scan now (after soak started something), so that
  /// it knows the new processes without waiting for its next scan.
  void rescan();

 private:
  Watchdog() = default;
  Fd pipe_;
  std::unique_ptr<Child> child_;
};

}  // namespace soak
