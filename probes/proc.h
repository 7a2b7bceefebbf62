// Reading processes from /proc: parsers for the files the process probe needs
// (pure functions over text, tested on captured files) and a reader rooted at
// a directory (default "/proc", a copy of it in probes/testdata/proc in
// tests). REFERENCE.md "/proc costs and meanings" has the file formats and
// their costs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <type_traits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "common/units.h"

namespace soak {

/// Figures from /proc/PID/status.
struct ProcStatus {
  double rss_bytes = 0;                  // VmRSS (0 for a zombie, which has no mm)
  std::optional<double> rss_anon_bytes;  // RssAnon; absent before Linux 4.5 and in zombies
  long threads = 0;                      // Threads
};

/// Figures from /proc/PID/stat (fields numbered as in proc(5)).
struct ProcStat {
  pid_t pid = 0;
  char state = '?';               // field 3
  pid_t ppid = 0;                 // field 4
  pid_t pgrp = 0;                 // field 5: process group
  uint64_t utime_ticks = 0;       // field 14
  uint64_t stime_ticks = 0;       // field 15
  uint64_t cutime_ticks = 0;      // field 16: reaped children (so a tree's sum stays monotonic)
  uint64_t cstime_ticks = 0;      // field 17
  long num_threads = 0;           // field 20
  uint64_t starttime_ticks = 0;   // field 22: with pid, identifies a process across pid reuse
};

/// Open file descriptors of one process.
struct FdCounts {
  long fds = 0;
  std::optional<long> sockets;  // fds whose link is "socket:[...]"; empty when not asked
};

/// Sums over a process tree; one sample of the "proc" probe.
struct TreeSample {
  double rss_bytes = 0;
  std::optional<double> rss_anon_bytes;  // empty when no member reported RssAnon
  long threads = 0;
  long fds = 0;
  long sockets = 0;
  double cpu_seconds = 0;  // utime+stime+cutime+cstime of every member
  size_t processes = 0;    // members actually read (vanished ones are skipped)
};

// Parsers: errors say what is missing or malformed; callers prefix the path.
Result<ProcStatus> parse_status(std::string_view text);
/// Splits on the LAST ')' so a comm containing ") (" cannot shift fields.
Result<ProcStat> parse_stat(std::string_view text);
/// Pss of smaps_rollup, in bytes.
Result<double> parse_smaps_rollup_pss(std::string_view text);
/// A whitespace-separated pid list (task/TID/children).
Result<std::vector<pid_t>> parse_pid_list(std::string_view text);
/// The last pid handed out by the kernel: 5th field of /proc/loadavg.
Result<pid_t> parse_loadavg_last_pid(std::string_view text);

/// Reads the /proc files of processes under a root directory. Holds reusable
/// buffers, so one reader belongs to one thread (the sampler's).
///
/// Every per-process read returns nullopt when the process is gone (the
/// file or directory vanished, ENOENT/ESRCH) and an error (naming the path)
/// when the file exists but cannot be read or parsed.
class ProcReader {
 public:
  explicit ProcReader(std::filesystem::path root = "/proc");
  ProcReader(const ProcReader&) = delete;
  ProcReader& operator=(const ProcReader&) = delete;

  const std::filesystem::path& root() const { return root_; }
  /// Kernel clock ticks per second (sysconf(_SC_CLK_TCK)).
  double ticks_per_second() const { return ticks_per_second_; }

  Result<std::optional<ProcStatus>> status(pid_t pid);
  Result<std::optional<ProcStat>> stat(pid_t pid);
  /// Counts entries of PID/fd; with `sockets` also reads every link. Without
  /// it, on Linux >= 6.2 the count is stat(PID/fd).st_size (no listing).
  Result<std::optional<FdCounts>> fds(pid_t pid, bool sockets);
  Result<std::optional<double>> pss_bytes(pid_t pid);
  /// Direct children of every thread of PID from task/*/children; nullopt
  /// when PID is gone. Error when the kernel has no children files
  /// (CONFIG_PROC_CHILDREN off): has_children_files() says so up front.
  Result<std::optional<std::vector<pid_t>>> children(pid_t pid);
  bool has_children_files();
  /// stat of every process, by scanning ROOT/*/stat. Costly (about a
  /// millisecond per hundred processes): the tree walker limits how often.
  Result<std::unordered_map<pid_t, ProcStat>> all_stats();
  /// Last pid handed out (ROOT/loadavg); empty when unreadable.
  std::optional<pid_t> last_pid();

 private:
  enum class ReadOutcome { kOk, kGone, kError };
  /// Reads ROOT/rel into buf_; on kError, err_ holds errno.
  ReadOutcome read_file(const std::string& rel);
  const std::string& path_of(pid_t pid, std::string_view file);
  Error read_error(const std::string& path) const;
  /// Reads PID/file and parses it: empty when the process is gone, an error
  /// naming the path when reading or parsing fails.
  template <class Parse>
  auto read_parsed(pid_t pid, std::string_view file, Parse parse)
      -> Result<std::optional<typename std::invoke_result_t<Parse, const std::string&>::value_type>>;

  std::filesystem::path root_;
  std::string root_prefix_;  // root_ with a trailing '/'
  bool is_procfs_ = false;
  std::optional<bool> has_children_files_;
  double ticks_per_second_ = 100;
  std::string buf_;
  std::string path_;
  std::vector<char> dents_;
  int err_ = 0;
};

/// Finds the members of a process tree (the root plus all descendants) and
/// sums their figures. Remembers the members between samples: when the kernel
/// has no children files it rescans all of /proc only when a new pid was
/// handed out since the last scan and at most every `min_rescan`, so a child
/// started by the SUT appears within that time.
class ProcTree {
 public:
  using Clock = std::chrono::steady_clock;
  ProcTree(ProcReader& reader, Duration min_rescan = std::chrono::seconds(5));

  /// Root first, then descendants. Error when the root is gone.
  Result<std::vector<pid_t>> members(pid_t root, Clock::time_point now);
  /// One full sample of the tree. Error when the root is gone or a file of a
  /// live member is unreadable; members that vanish mid-sample are skipped.
  Result<TreeSample> sample(pid_t root, Clock::time_point now);
  /// Sum of smaps_rollup Pss over the tree.
  Result<double> pss_bytes(pid_t root, Clock::time_point now);

 private:
  ProcReader& reader_;
  Duration min_rescan_;
  pid_t root_ = -1;
  std::vector<pid_t> known_;  // descendants found by the last scan
  // Their start times: a known pid whose start time changed was reused by an
  // unrelated process after the descendant exited.
  std::unordered_map<pid_t, uint64_t> known_start_;
  std::optional<Clock::time_point> last_scan_;
  std::optional<pid_t> last_scan_pid_;
};

}  // namespace soak
