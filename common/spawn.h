// The one way soak starts a process (the SUT, a cmd: workload, the plotter):
// Boost.Process v2 with an own process group, a death signal, the harness's
// environment plus some, stdio to pipes, fds or /dev/null, and an optional
// pre-exec hook; stopped with grace (SIGTERM to the group, grace, SIGKILL).
// Every child spawned here is registered, so that reap_orphans() (soak is a
// child subreaper during a run) never takes the exit status of a child whose
// owner waits for it.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/posix.h"
#include "common/result.h"
#include "common/units.h"

namespace soak {

/// How a process ended.
struct ExitStatus {
  std::optional<int> code;    // exited normally
  std::optional<int> signal;  // killed by this signal
};

/// Where a child's stdout or stderr goes.
struct Output {
  enum class Kind { kNull, kPipe, kFd };
  Kind kind = Kind::kNull;
  int fd = -1;  // kFd: borrowed, duplicated into the child
  static Output null() { return {}; }
  static Output pipe() { return {Kind::kPipe, -1}; }
  static Output to_fd(int fd) { return {Kind::kFd, fd}; }
};

struct SpawnOptions {
  /// argv; argv[0] is looked up in PATH unless it contains '/'.
  std::vector<std::string> argv;
  std::filesystem::path cwd = ".";
  /// Added to (overriding) the harness's own environment.
  std::map<std::string, std::string> env;
  Output out = Output::null();  // stdin is always /dev/null
  Output err = Output::null();
  /// Runs in the child after the group, death signal and signal reset, just
  /// before exec: async-signal-safe calls only (open/write/setrlimit...).
  /// Returns 0 or an errno, which fails the spawn with that error. Used to
  /// join a cgroup or set resource limits.
  std::function<int()> child_setup;
  /// SIGKILL when the spawning thread dies (PR_SET_PDEATHSIG). Off only for
  /// the watchdog, which must outlive soak.
  bool death_signal = true;
  /// What the error messages call the program ("SUT command", "plot script").
  std::string what = "command";
};

/// A spawned process, leader of its own process group. Thread-safe. The
/// death signal (PR_SET_PDEATHSIG=SIGKILL) follows the thread that spawned
/// it: spawn from a thread that lives as long as the child.
class Child {
 public:
  static Result<std::unique_ptr<Child>> spawn(const SpawnOptions& options);
  /// Stops the whole process group if it is still there (grace 2 s).
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  /// Read ends of the stdout / stderr pipes (Output::pipe(); once).
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

  struct Impl;
  std::unique_ptr<Impl> impl_;
  pid_t pid_ = -1;
  Fd out_, err_;
  std::thread reaper_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::optional<ExitStatus> status_;
};

/// True while any process of group `pgid` exists (zombies included: orphans
/// of a subreaper are reaped by reap_orphans(), others by init).
bool group_alive(pid_t pgid);

/// Makes this process a child subreaper (PR_SET_CHILD_SUBREAPER): orphaned
/// descendants (a daemon that double-forked and called setsid) become its
/// children instead of init's, so they stay findable and killable. From then
/// on reap_orphans() reaps the ones that end. Returns 0 or an errno.
int become_subreaper();

/// After become_subreaper(): reaps ended children of this process that no
/// Child owns (orphans handed over by the kernel). Without it, does nothing
/// (children are then reaped by whoever started them). Returns how many.
int reap_orphans();

/// "SIGKILL" for 9, "SIG<n>" when unknown.
std::string signal_name(int sig);

}  // namespace soak
