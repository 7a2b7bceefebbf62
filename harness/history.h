// Build history (DESIGN.md section 9, docs/history.md): `--history FILE
// --build ID` on `soak run` and `soak check`, and `soak history FILE`.
//
// FILE holds one JSON object per line (schema soak.history/v1), one per
// judged build: build id, time, git commit when known, machine facts and, per
// slope budget, the slope, its SE and interval, n and the verdicts. A run is
// judged against the recent records of the same series, budget unit and
// machine class (analysis/history.h), gets a `regression` budget row per
// series judged, and then its record is appended with one O_APPEND write and
// fsync, so a crash never corrupts the lines before it.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/history.h"
#include "analysis/summarize.h"
#include "common/result.h"
#include "common/summary.h"

namespace soak {

/// What --history / --build / --history-warn-only (or config "history") ask for.
struct HistorySettings {
  std::filesystem::path file;
  std::string build;          // empty: the git commit when known, else the run's start time
  bool warn_only = false;     // a regression is a warning, not a failure
  analysis::RegressionOptions regression;
};

/// Config key "history": {"file": "soak-history.jsonl", "warn_only": false}
/// ("build" accepted too, for run.json round trips). `base` holds values
/// already set. Errors name the key.
Result<HistorySettings> history_settings_from_json(const nlohmann::json& j, HistorySettings base);
nlohmann::json history_settings_to_json(const HistorySettings& s);

/// One budgeted series of one build.
struct HistorySeries {
  std::string series;         // canonical name, e.g. "rss_bytes"
  std::string budget;         // the budget spec, e.g. "rss=2MiB/h"
  std::string per;            // "h" (per hour) or "req"
  double limit = 0;           // the budget's limit, per `per`
  std::optional<double> slope, se, ci_low, ci_high;  // per `per`; interval one-sided bounds at the run's confidence
  double n = 0;               // points fitted (blocks)
  double n_eff = 0;           // effective sample size
  std::string verdict;        // the slope budget's verdict: pass | fail | inconclusive
  std::string regression;     // "" (not judged) | pass | fail | warn
};

struct HistoryRecord {
  std::string build;
  std::string time;           // UTC ISO 8601 (the run's start when known)
  double timestamp = 0;       // the same as Unix seconds
  std::string commit, branch; // empty when unknown
  nlohmann::json machine;     // {arch, kernel, cores, memory_bytes}
  std::string machine_class;  // see machine_class()
  std::string status;         // the run's status (summary.json "status")
  std::string run_dir;
  std::vector<HistorySeries> series;
  size_t line = 0;            // 1-based line in FILE (0: not read from a file)
};

nlohmann::json to_json(const HistoryRecord& r);
/// The error names the missing or mistyped field.
Result<HistoryRecord> history_record_from_json(const nlohmann::json& j);

struct HistoryFile {
  std::vector<HistoryRecord> records;   // in file order (oldest first)
  std::vector<std::string> warnings;    // "FILE:7: not valid JSON; line skipped"
};

/// Reads FILE. A missing file is an empty history; an unreadable one (a
/// directory, no permission) is an error. Malformed lines are skipped with a
/// warning naming the line.
Result<HistoryFile> read_history(const std::filesystem::path& file);

/// Appends one line with a single O_APPEND write, then fsync. When FILE does
/// not end with a newline (a writer died mid-line), a newline goes first so
/// the new record stays a line of its own.
Status append_history(const std::filesystem::path& file, const HistoryRecord& record);

/// Before launch (exit 2 when it fails): FILE can be read and appended to,
/// or created in an existing directory.
Status check_history_file(const std::filesystem::path& file);

/// "x86_64/4c/16GiB/linux-6.1": architecture, cores, memory rounded to GiB,
/// kernel name and major.minor. Unknown parts are "?". Builds are compared
/// only within one class.
std::string machine_class(const nlohmann::json& machine);

/// The git commit when known: $GITHUB_SHA, else HEAD of the repository
/// holding `dir` (read from .git files, no process started). Empty otherwise.
std::string git_commit(const std::filesystem::path& dir);
/// $GITHUB_REF_NAME, else the branch HEAD points at; empty otherwise.
std::string git_branch(const std::filesystem::path& dir);

/// A record prepared by judge_history, appended by finish_history.
struct PendingHistory {
  HistorySettings settings;
  HistoryRecord record;
};

/// Judges this run's slope budgets against FILE: adds a `regression` budget
/// row per series with enough history (verdict fail, or pass with a warning
/// under warn_only) and notes to `judgement.warnings`. `run` is run.json
/// (host facts, start time). Errors: FILE unreadable.
Result<PendingHistory> judge_history(const HistorySettings& settings, const nlohmann::json& run,
                                     const std::filesystem::path& run_dir, Judgement& judgement);

/// Appends the record with the run's final status.
Status finish_history(PendingHistory& pending, const Summary& summary);

struct HistoryCommandOptions {
  std::optional<std::filesystem::path> out;    // write history.html there
  std::optional<std::filesystem::path> otava;  // write Apache Otava's JSON input there
};

/// `soak history FILE`: one line per build; history.html and the Otava export
/// on request. Returns 0; errors (FILE missing or unreadable, outputs not
/// writable) are usage errors.
Result<int> history_command(const std::filesystem::path& file, const HistoryCommandOptions& options,
                            std::ostream& out, std::ostream& err);

/// Apache Otava's JSON input (docs/JSON.md of apache/otava): an array of
/// {timestamp, metrics: [{name, value}], attributes: {...}}, one per build;
/// metric names are SERIES.slope_per_h (or _per_req). Attributes: build,
/// commit and branch when known, machine_class.
nlohmann::json to_otava_json(const std::vector<HistoryRecord>& records);

/// history.html: per series and machine class, the slope of each build with
/// its interval (inline SVG), change points found by E-divisive, and a table
/// of builds. Self-contained.
std::string history_html(const std::vector<HistoryRecord>& records, const std::string& title);

}  // namespace soak
