#include "harness/run_dir.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>

#include "common/posix.h"

namespace soak {

namespace fs = std::filesystem;

double round_ms(double t) { return std::round(t * 1000.0) / 1000.0; }

RunDir::RunDir(fs::path dir, const Clock& clock) : dir_(std::move(dir)), clock_(clock) {}

RunDir::~RunDir() {
  if (samples_) std::fclose(samples_);
  if (events_) std::fclose(events_);
}

Result<std::unique_ptr<RunDir>> RunDir::create(const fs::path& dir, bool force, const Clock& clock,
                                               bool keep_samples) {
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec))
      return make_error("--out \"" + dir.string() + "\": exists and is not a directory");
    if (!fs::is_empty(dir, ec) && !force)
      return make_error("--out \"" + dir.string() +
                        "\": directory is not empty (use --force to overwrite a previous run)");
    if (force) {
      // Only what a run writes: a user's other files in the directory stay.
      for (const char* f : {"run.json", "samples.jsonl", "events.jsonl", "sut.log", "sut.tail.log", "workload.log",
                            "summary.json", "report.html", "junit.xml", "summary.md"})
        fs::remove(dir / f, ec);
      fs::remove_all(dir / "profiles", ec);
    }
  }
  fs::create_directories(dir / "profiles", ec);
  if (ec) return make_error("--out \"" + dir.string() + "\": cannot create: " + ec.message());
  std::unique_ptr<RunDir> rd(new RunDir(dir, clock));
  rd->keep_samples_ = keep_samples;
  rd->samples_ = std::fopen((dir / "samples.jsonl").c_str(), "we");
  rd->events_ = std::fopen((dir / "events.jsonl").c_str(), "we");
  if (!rd->samples_ || !rd->events_)
    return make_error("--out \"" + dir.string() + "\": cannot write: " + std::strerror(errno));
  return rd;
}

Status RunDir::write_run_json(const nlohmann::json& run) {
  std::lock_guard lock(mu_);
  data_.run = run;
  return write_file_atomic(dir_ / "run.json", run.dump(2) + "\n");
}

void RunDir::set_launch_time(TimePoint t0) {
  std::lock_guard lock(mu_);
  t0_ = t0;
}

double RunDir::seconds_at(TimePoint tp) const {
  std::lock_guard lock(mu_);
  if (!t0_ || tp < *t0_) return 0.0;
  return std::chrono::duration<double>(tp - *t0_).count();
}

void RunDir::write_line_locked(std::FILE* f, const nlohmann::json& line) {
  if (!f) return;
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text += '\n';
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fflush(f) == 0 && ok;
  if (!ok && !write_error_)
    write_error_ = (dir_ / (f == samples_ ? "samples.jsonl" : "events.jsonl")).string() +
                   ": write failed: " + std::strerror(errno);
}

std::optional<std::string> RunDir::write_error() const {
  std::lock_guard lock(mu_);
  return write_error_;
}

void RunDir::emit(std::string_view event, const nlohmann::json& fields) {
  double t = round_ms(now_s());
  nlohmann::json line = {{"t", t}, {"event", std::string(event)}};
  if (fields.is_object())
    for (auto it = fields.begin(); it != fields.end(); ++it) line[it.key()] = it.value();
  std::lock_guard lock(mu_);
  write_line_locked(events_, line);
  data_.events.push_back(Event{t, std::string(event), line});
}

void RunDir::record_locked(double t, const std::vector<const Reading*>& readings) {
  if (readings.empty()) return;
  t = round_ms(t);
  nlohmann::json line = {{"t", t}};
  for (const Reading* r : readings) {
    if (!std::isfinite(r->value)) continue;  // JSON has no NaN; a missing value is no value
    line[r->series] = r->value;
    if (!keep_samples_) continue;
    SeriesData* s = nullptr;
    for (auto& sd : data_.series)
      if (sd.name == r->series) s = &sd;
    if (!s) {
      data_.series.push_back(SeriesData{r->series, {}, {}});
      s = &data_.series.back();
    }
    s->t.push_back(t);
    s->v.push_back(r->value);
  }
  if (line.size() <= 1) return;
  write_line_locked(samples_, line);
  ++data_.sample_lines;
}

void RunDir::append_samples(double t, const std::vector<Reading>& readings) {
  std::vector<const Reading*> now;
  std::map<double, std::vector<const Reading*>> timed;
  for (const auto& r : readings) {
    if (r.t) timed[*r.t].push_back(&r);
    else now.push_back(&r);
  }
  std::lock_guard lock(mu_);
  for (auto& [tt, rs] : timed) record_locked(tt, rs);
  record_locked(t, now);
}

RunData RunDir::snapshot() const {
  std::lock_guard lock(mu_);
  return data_;
}

size_t RunDir::sample_lines() const {
  std::lock_guard lock(mu_);
  return data_.sample_lines;
}

}  // namespace soak
