// The run directory as it is written during `soak run` (DESIGN.md section 7):
// run.json at the start, samples.jsonl and events.jsonl appended and flushed
// line by line, and (only when asked, for --fail-fast) an in-memory copy of
// the samples so the run loop can judge the data so far without re-reading
// files. Without it the harness's memory stays flat however long the run.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/event_sink.h"
#include "common/result.h"
#include "common/run_data.h"
#include "probes/probe.h"

namespace soak {

class RunDir final : public EventSink {
 public:
  /// Creates `dir` (and profiles/). A non-empty `dir` is refused unless
  /// `force`, in which case the files this run writes are replaced.
  /// `keep_samples`: also keep every sample in memory for snapshot().
  static Result<std::unique_ptr<RunDir>> create(const std::filesystem::path& dir, bool force,
                                                const Clock& clock, bool keep_samples = true);
  ~RunDir() override;
  RunDir(const RunDir&) = delete;
  RunDir& operator=(const RunDir&) = delete;

  const std::filesystem::path& path() const { return dir_; }
  std::filesystem::path profiles_dir() const { return dir_ / "profiles"; }

  /// Writes run.json (replacing it).
  Status write_run_json(const nlohmann::json& run);
  /// Run time 0 is the launch of the SUT; events before it carry t = 0.
  void set_launch_time(TimePoint t0);
  /// Seconds since launch of `tp` (0 before launch).
  double seconds_at(TimePoint tp) const;
  double now_s() const { return seconds_at(clock_.now()); }

  /// EventSink: one line of events.jsonl, flushed. Thread-safe.
  void emit(std::string_view event, const nlohmann::json& fields = nullptr) override;
  /// Appends readings taken at `t` (s since launch) as one samples.jsonl line;
  /// readings that carry their own time get lines of their own. Thread-safe.
  void append_samples(double t, const std::vector<Reading>& readings);

  /// A copy of everything recorded so far, as load_run_dir would read it
  /// (without samples unless created with keep_samples).
  RunData snapshot() const;
  size_t sample_lines() const;
  /// The first failed write ("PATH: write failed: ..."), if any (a full
  /// disk). The run ends on it with exit 5.
  std::optional<std::string> write_error() const;

 private:
  RunDir(std::filesystem::path dir, const Clock& clock);
  void write_line_locked(std::FILE* f, const nlohmann::json& line);
  void record_locked(double t, const std::vector<const Reading*>& readings);

  std::filesystem::path dir_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::optional<TimePoint> t0_;
  std::FILE* samples_ = nullptr;
  std::FILE* events_ = nullptr;
  RunData data_;
  bool keep_samples_ = true;
  std::optional<std::string> write_error_;
};

/// Run time rounded to the millisecond, as written to the files.
double round_ms(double t);

}  // namespace soak
