// A run directory read back: run.json, samples.jsonl, events.jsonl
// (DESIGN.md section 7). `soak check`, `soak report` and the end of
// `soak run` all judge from this, so a live run and a re-judged one agree.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace soak {

/// One series as parallel arrays, in time order. `t` is seconds since launch.
struct SeriesData {
  std::string name;
  std::vector<double> t;
  std::vector<double> v;
};

struct Event {
  double t = 0;
  std::string event;     // "ready", "warmup_end", "probe_error", "sut_exited", ...
  nlohmann::json fields; // the whole line (including t and event)
};

struct RunData {
  nlohmann::json run;              // run.json as written (possibly minimal)
  std::vector<SeriesData> series;  // first-seen order
  std::vector<Event> events;
  size_t sample_lines = 0;         // lines of samples.jsonl that parsed
  std::vector<std::string> warnings;  // e.g. "samples.jsonl: line 812 is truncated; ignored"

  const SeriesData* find(std::string_view name) const;
  const Event* find_event(std::string_view name) const;  // first of that kind
  double interval_s() const;  // run.json interval_s, else median spacing, else 1
};

/// Reads a run directory. Missing run.json or samples.jsonl is an error
/// naming the file; a truncated final line (a killed run) is skipped with a
/// warning; any other malformed line is an error naming file and line.
Result<RunData> load_run_dir(const std::filesystem::path& dir);

/// Parses samples.jsonl / events.jsonl text (exposed for tests).
Status parse_samples(std::string_view text, std::string_view file, RunData& out);
Status parse_events(std::string_view text, std::string_view file, RunData& out);

}  // namespace soak
