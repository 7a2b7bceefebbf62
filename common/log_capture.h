// Reads a child's output pipes (the SUT's stdout and stderr, or an external
// workload's) on one thread: the raw bytes go to a log file up to a size cap
// (then read and dropped so the child never blocks on a full pipe), every
// line goes to the line observers (gctrace parser, log:REGEX readiness), the
// last lines are kept for error messages, and optionally the last bytes are
// kept in a bounded tail file that stays current after the cap (the crash
// output at the end of a long run).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/posix.h"
#include "common/result.h"
#include "common/units.h"

namespace soak {

/// Bytes of output the tail file keeps by default (sut.tail.log).
constexpr size_t kDefaultTailFileBytes = 64 * 1024;

class LogCapture {
 public:
  /// Called on the capture thread for every complete line (without '\n').
  using LineFn = std::function<void(std::string_view line, bool is_stderr)>;
  /// Called once, on the capture thread, when the cap is first reached.
  using CappedFn = std::function<void(double limit_bytes)>;

  LogCapture(const std::filesystem::path& log_file, double limit_bytes, size_t tail_lines = 20);
  /// Stops (see stop()).
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  /// Observers must be added before start().
  void add_line_observer(LineFn fn) { observers_.push_back(std::move(fn)); }
  void on_capped(CappedFn fn) { capped_fn_ = std::move(fn); }
  /// Before start(): also keep the last `bytes` of output (whole lines when
  /// they fit) in `file`, whatever the cap. It is replaced (write to a
  /// temporary, rename: a reader sees a whole version) at most every
  /// `every` while output arrives, and once more when the capture ends.
  void keep_tail_file(const std::filesystem::path& file, size_t bytes = kDefaultTailFileBytes,
                      Duration every = std::chrono::seconds(1));

  /// Starts the thread on the read ends (it owns them from now on). `err`
  /// may be empty: one stream (a workload writing both to one pipe).
  Status start(Fd out, Fd err);
  /// Reads what is left until EOF on both pipes or `drain` without data, then
  /// ends the thread (writing the tail file a last time). Idempotent.
  void stop(Duration drain = std::chrono::milliseconds(300));

  /// The last lines seen (both streams, in order).
  std::vector<std::string> tail() const;
  uint64_t bytes_written() const { return written_; }
  bool capped() const { return capped_; }
  /// The first failed write of the log file or the tail file ("PATH: write
  /// failed: ..."), after which that file is no longer written (output is
  /// still read).
  std::optional<std::string> write_error() const;

 private:
  void loop();
  void consume(int stream, const char* data, size_t n);
  void emit_line(std::string_view line, bool is_stderr);
  void keep_tail_bytes(const char* data, size_t n);
  void write_tail_file();
  void set_write_error(std::string message);

  std::filesystem::path log_file_;
  double limit_bytes_;
  size_t tail_lines_;
  std::vector<LineFn> observers_;
  CappedFn capped_fn_;
  std::FILE* file_ = nullptr;
  Fd fds_[2];
  Fd wake_r_, wake_w_;
  std::string partial_[2];
  std::atomic<uint64_t> written_{0};
  std::atomic<bool> capped_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> drain_ms_{300};
  // The tail file (capture thread only).
  std::filesystem::path tail_file_;
  size_t tail_file_bytes_ = 0;
  Duration tail_every_{};
  std::string tail_bytes_;  // the last tail_file_bytes_ .. 2 * tail_file_bytes_ bytes
  bool log_failed_ = false;
  bool tail_dirty_ = false;
  bool tail_failed_ = false;
  std::chrono::steady_clock::time_point tail_written_at_{};
  mutable std::mutex tail_mu_;
  std::deque<std::string> tail_;
  std::optional<std::string> write_error_;  // under tail_mu_
  std::thread thread_;
};

}  // namespace soak
