// Reads the SUT's stdout and stderr pipes on one thread: the raw bytes go to
// sut.log up to a size cap (then read and dropped so the SUT never blocks on
// a full pipe), every line goes to the line observers (gctrace parser,
// log:REGEX readiness), and the last lines are kept for error messages.
#pragma once

#include <atomic>
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

#include "common/result.h"
#include "harness/launcher.h"

namespace soak {

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

  /// Starts the thread on the two read ends (it owns them from now on).
  Status start(Fd out, Fd err);
  /// Reads what is left until EOF on both pipes or `drain` without data, then
  /// ends the thread. Idempotent.
  void stop(Duration drain = std::chrono::milliseconds(300));

  /// The last lines seen (both streams, in order).
  std::vector<std::string> tail() const;
  uint64_t bytes_written() const { return written_; }
  bool capped() const { return capped_; }
  /// The first failed write of the log file ("PATH: write failed: ..."),
  /// after which the log is no longer written (output is still read).
  std::optional<std::string> write_error() const;

 private:
  void loop();
  void consume(int stream, const char* data, size_t n);
  void emit_line(std::string_view line, bool is_stderr);

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
  mutable std::mutex tail_mu_;
  std::deque<std::string> tail_;
  std::optional<std::string> write_error_;  // under tail_mu_
  std::thread thread_;
};

}  // namespace soak
