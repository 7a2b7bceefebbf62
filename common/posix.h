// Small POSIX helpers shared by the modules that start processes or read
// and write files and sockets: an fd that closes itself, the child-side
// set-up between fork and exec, and the one way to replace a file whole.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "common/result.h"

namespace soak {

/// A file descriptor that closes itself.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1);
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

/// In a child between fork and exec (async-signal-safe calls only): its own
/// process group, so the harness can stop the whole group; unless
/// `death_signal` is false, SIGKILL when the forking thread dies
/// (PR_SET_PDEATHSIG); and a clean signal state (the
/// harness's mask and its SIGPIPE/SIGINT/SIGTERM/SIGXFSZ dispositions must not leak
/// into the child: a blocked SIGTERM would survive exec). `parent` is the
/// harness's pid, read before fork: when it already died, nobody would
/// deliver the death signal, so the child exits with 126.
/// Returns 0, or the errno of the failing call.
int prepare_child_after_fork(pid_t parent, bool death_signal = true);

/// Writes `text` to `path` through a temporary file (`path`.tmp), fsync and a
/// rename, so a reader (or a killed run) sees the old file or the whole new
/// one, also after a crash or power loss. Every write is checked; the error
/// names the file and the reason ("…/summary.json: write failed: No space
/// left on device"). The run directory, reports and profiles all use it.
Status write_file_atomic(const std::filesystem::path& path, const std::string& text);

}  // namespace soak
