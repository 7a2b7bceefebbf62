#include "common/run_data.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

namespace soak {

namespace fs = std::filesystem;
using nlohmann::json;

const SeriesData* RunData::find(std::string_view name) const {
  for (const auto& s : series)
    if (s.name == name) return &s;
  return nullptr;
}

const Event* RunData::find_event(std::string_view name) const {
  for (const auto& e : events)
    if (e.event == name) return &e;
  return nullptr;
}

double RunData::interval_s() const {
  if (run.is_object()) {
    auto it = run.find("interval_s");
    if (it != run.end() && it->is_number() && it->get<double>() > 0) return it->get<double>();
  }
  for (const auto& s : series) {
    if (s.t.size() < 3) continue;
    std::vector<double> d;
    for (size_t i = 1; i < s.t.size(); ++i) d.push_back(s.t[i] - s.t[i - 1]);
    std::nth_element(d.begin(), d.begin() + d.size() / 2, d.end());
    if (d[d.size() / 2] > 0) return d[d.size() / 2];
  }
  return 1.0;
}

namespace {

Result<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return make_error(fmt::format("{}: cannot open", p.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Calls f(line, line_no, is_last_unterminated) for each non-empty line.
template <class F>
Status for_each_line(std::string_view text, F&& f) {
  size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    bool terminated = nl != std::string_view::npos;
    std::string_view line = text.substr(pos, terminated ? nl - pos : std::string_view::npos);
    ++line_no;
    pos = terminated ? nl + 1 : text.size();
    if (line.empty()) continue;
    SOAK_TRY(f(line, line_no, !terminated));
  }
  return Status::Ok();
}

}  // namespace

Status parse_samples(std::string_view text, std::string_view file, RunData& out) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < out.series.size(); ++i) index[out.series[i].name] = i;
  return for_each_line(text, [&](std::string_view line, size_t no, bool last) -> Status {
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      if (last) {
        out.warnings.push_back(fmt::format("{}: line {} is truncated (run cut short?); ignored", file, no));
        return Status::Ok();
      }
      // A line broken in the middle (a write cut short: full disk): said
      // and skipped, so the rest is still judged.
      out.warnings.push_back(
          fmt::format("{}: line {}: not a JSON object (a write cut short?); skipped, the other lines are judged", file, no));
      return Status::Ok();
    }
    auto t = j.find("t");
    if (t == j.end() || !t->is_number())
      return make_error(fmt::format("{}: line {}: missing number \"t\"", file, no));
    double tv = t->get<double>();
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "t") continue;
      if (!it->is_number()) continue;  // tolerate annotations
      auto [pos, inserted] = index.try_emplace(it.key(), out.series.size());
      if (inserted) out.series.push_back(SeriesData{it.key(), {}, {}});
      auto& s = out.series[pos->second];
      s.t.push_back(tv);
      s.v.push_back(it->get<double>());
    }
    ++out.sample_lines;
    return Status::Ok();
  });
}

Status parse_events(std::string_view text, std::string_view file, RunData& out) {
  return for_each_line(text, [&](std::string_view line, size_t no, bool last) -> Status {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("event")) {
      if (last) {
        out.warnings.push_back(fmt::format("{}: line {} is truncated (run cut short?); ignored", file, no));
        return Status::Ok();
      }
      out.warnings.push_back(fmt::format("{}: line {}: not an event object; skipped", file, no));
      return Status::Ok();
    }
    // A "t" that is not a number would throw in json::value (found by
    // fuzz/run_data_fuzz: soak check ended in std::terminate).
    if (j.contains("t") && !j["t"].is_number()) {
      out.warnings.push_back(fmt::format("{}: line {}: \"t\" is not a number; skipped", file, no));
      return Status::Ok();
    }
    Event e;
    e.t = j.value("t", 0.0);
    e.event = j["event"].is_string() ? j["event"].get<std::string>() : "";
    e.fields = std::move(j);
    out.events.push_back(std::move(e));
    return Status::Ok();
  });
}

Result<RunData> load_run_dir(const fs::path& dir) {
  RunData d;
  if (!fs::is_directory(dir)) return make_error(fmt::format("{}: not a directory", dir.string()));
  auto run_text = read_file(dir / "run.json");
  if (!run_text) return make_error(fmt::format("{}: missing run.json", dir.string()));
  d.run = json::parse(*run_text, nullptr, false);
  if (d.run.is_discarded() || !d.run.is_object())
    return make_error(fmt::format("{}: not a JSON object", (dir / "run.json").string()));
  auto samples = read_file(dir / "samples.jsonl");
  if (!samples) return make_error(fmt::format("{}: missing samples.jsonl", dir.string()));
  SOAK_TRY(parse_samples(*samples, "samples.jsonl", d));
  if (fs::exists(dir / "events.jsonl")) {
    auto events = read_file(dir / "events.jsonl");
    if (!events) return events.error();
    SOAK_TRY(parse_events(*events, "events.jsonl", d));
  }
  return d;
}

}  // namespace soak
