// A memory cgroup of the SUT's own (--memory-limit), OOM counters, and the
// child-side confinement (cgroup, RLIMIT_NOFILE) applied between fork and
// exec. REFERENCE.md "cgroups"; docs/run.md "Memory limit and OOM".
//
// Where the memory controller is, and where soak runs in it, is read from a
// root directory ("/" on a real machine, a fixture directory in tests):
//   ROOT/proc/self/cgroup       "0::/PATH" (v2) or "N:memory:/PATH" (v1)
//   ROOT/sys/fs/cgroup          cgroup v2 when cgroup.controllers is there
//   ROOT/sys/fs/cgroup/memory   the v1 memory hierarchy (hybrid/legacy)
//   ROOT/sys/fs/cgroup/unified  a hybrid's v2 hierarchy (memory only if listed)
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/units.h"
#include "probes/probe.h"

namespace soak {

enum class CgroupVersion { kV1 = 1, kV2 = 2 };

/// Where soak itself runs in the memory hierarchy.
struct MemoryCgroupHost {
  CgroupVersion version = CgroupVersion::kV2;
  std::filesystem::path mount;     // ROOT/sys/fs/cgroup (v2) or ROOT/sys/fs/cgroup/memory (v1)
  std::string own_path;            // soak's cgroup as /proc/self/cgroup names it, e.g. "/user.slice/x"
  std::filesystem::path own_dir;   // mount + own_path
};

/// Reads where the memory controller is and soak's cgroup in it. Error (a
/// sentence for the user) when no memory controller is available.
Result<MemoryCgroupHost> detect_memory_cgroup(const std::filesystem::path& root = "/");

/// Whether a child memory cgroup can be made under `host.own_dir`, checked
/// without changing anything. `writable` decides whether a path may be
/// written (default: access(W_OK)). The error says why not and what would
/// make it work (systemd-run --user -p Delegate=yes, or root).
Status check_memory_cgroup_possible(
    const MemoryCgroupHost& host,
    const std::function<bool(const std::filesystem::path&)>& writable = {});

/// The oom_kill counter of a memory cgroup directory: v2 memory.events
/// "oom_kill", v1 memory.oom_control "oom_kill" (kernels >= 4.13). Empty when
/// the file or the key is absent.
std::optional<long long> read_cgroup_oom_kills(const std::filesystem::path& dir, CgroupVersion v);
/// The oom_kill counter of /proc/vmstat (under `root`); empty when unreadable.
std::optional<long long> read_vmstat_oom_kills(const std::filesystem::path& root = "/");

/// A memory cgroup created for the SUT's tree. Removed (after killing what
/// is left in it) when destroyed. Thread-safe for the readers.
class Cgroup {
 public:
  /// Creates HOST.own_dir/NAME with memory limit `limit_bytes` (v2:
  /// memory.max, no swap, memory.oom.group; v1: memory.limit_in_bytes, and
  /// memsw/swappiness where the kernel has them). On v2, when the memory
  /// controller is not yet enabled for soak's cgroup's children and soak's
  /// cgroup holds processes, soak first moves itself into a leaf child
  /// ("soak-harness"): the "no internal processes" rule of v2.
  static Result<std::unique_ptr<Cgroup>> create(const MemoryCgroupHost& host, const std::string& name,
                                                double limit_bytes);
  /// remove().
  ~Cgroup();
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  CgroupVersion version() const { return version_; }
  double limit_bytes() const { return limit_bytes_; }
  /// An fd open for writing on this cgroup's cgroup.procs: a child writes
  /// "0" to it between fork and exec (ChildConfinement) to enter the cgroup
  /// before it runs anything, so no descendant escapes.
  int procs_fd() const { return procs_fd_; }

  /// memory.current (v2) or memory.usage_in_bytes (v1).
  Result<double> memory_bytes() const;
  /// OOM kills inside this cgroup since it was created: the v2/v1 oom_kill
  /// counter; on a v1 kernel without it, memory.failcnt > 0 stands in (the
  /// caller pairs it with a SIGKILL).
  std::optional<long long> oom_kills() const;
  /// True when the kernel gives no oom_kill counter here (v1 before 4.13),
  /// so oom_kills() is the failcnt fallback.
  bool oom_count_is_failcnt() const;
  /// The pids in the cgroup (cgroup.procs).
  std::vector<pid_t> pids() const;
  /// SIGKILL to every process in the cgroup: cgroup.kill on v2 (Linux >=
  /// 5.14), else each pid of cgroup.procs, repeated until it stays empty
  /// (forks racing the kill) or 1 s passed. Returns true when it is empty.
  bool kill_all();
  /// kill_all(), then removes the directory (retrying while the kernel
  /// still counts exiting processes, up to 2 s). Idempotent; true when the
  /// directory is gone. The readers fail afterwards.
  bool remove();

 private:
  Cgroup() = default;
  std::filesystem::path dir_;
  CgroupVersion version_ = CgroupVersion::kV2;
  double limit_bytes_ = 0;
  int procs_fd_ = -1;
  bool removed_ = false;
};

/// What the SUT gets between fork and exec besides its process group:
/// entering a cgroup and RLIMIT_NOFILE.
struct ChildConfinement {
  int cgroup_procs_fd = -1;       // write "0" here (Cgroup::procs_fd)
  std::optional<rlim_t> nofile;   // soft = hard = this
  /// In the child between fork and exec: async-signal-safe calls only.
  /// Returns 0, or the errno of the failing call.
  int apply_in_child() const noexcept;
};

/// The RLIMIT_NOFILE soft limit a child inherits from soak; empty when
/// unlimited.
std::optional<double> inherited_nofile();
/// Checks --nofile N against what soak may set (an unprivileged process
/// cannot raise its hard limit; nobody above /proc/sys/fs/nr_open).
Status check_nofile(rlim_t n);

/// The probe "cgroup": series cgroup_memory_bytes of the SUT's cgroup.
std::unique_ptr<Probe> make_cgroup_probe(std::shared_ptr<const Cgroup> cgroup, Duration interval);

/// Counts OOM kills that hit the SUT: in its own cgroup when soak made one,
/// else in the cgroup soak runs in (where readable), else system-wide
/// (/proc/vmstat). Snapshot at construction (before launch), compare later.
class OomWatch {
 public:
  explicit OomWatch(std::shared_ptr<const Cgroup> sut_cgroup);
  /// Whether an OOM kill was counted since construction. `killed_by_sigkill`:
  /// the SUT ended by SIGKILL (needed for the v1 failcnt fallback and for
  /// the host-wide counters, which cannot tell whose process it was).
  bool oom_killed(bool killed_by_sigkill) const;
  /// Cheap check for the run loop: an OOM kill inside the SUT's own cgroup
  /// (only with a cgroup that counts oom_kill), e.g. a child of a wrapper.
  bool oom_in_own_cgroup() const;
  /// "the SUT's cgroup", "soak's cgroup /x" or "/proc/vmstat".
  std::string source() const;

 private:
  std::shared_ptr<const Cgroup> sut_;
  std::optional<MemoryCgroupHost> host_;
  std::optional<long long> host_before_, vmstat_before_;
};

}  // namespace soak
