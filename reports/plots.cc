#include "reports/plots.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "common/series.h"
#include "common/spawn.h"
#include "reports/downsample.h"

namespace soak {

namespace fs = std::filesystem;

namespace {

/// A directory under $TMPDIR removed with everything in it on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    const char* base = std::getenv("TMPDIR");
    std::string templ = (fs::path(base && *base ? base : "/tmp") / "soak-plots-XXXXXX").string();
    if (char* p = mkdtemp(templ.data())) path_ = p;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  bool ok() const { return !path_.empty(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string last_lines(const std::string& text, size_t n) {
  size_t end = text.size();
  while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r')) --end;
  size_t pos = end;
  for (size_t k = 0; k < n && pos > 0; ++k) {
    size_t nl = text.rfind('\n', pos - 1);
    pos = nl == std::string::npos ? 0 : nl;
    if (pos == 0) break;
  }
  std::string out = text.substr(pos, end - pos);
  while (!out.empty() && out.front() == '\n') out.erase(out.begin());
  for (char& c : out)
    if (c == '\n') c = ' ';
  return out;
}

struct ChildResult {
  bool started = false;
  std::string start_error;
  bool timed_out = false;
  int exit_code = -1;
  int signal = 0;
};

// Runs argv in its own process group with stdin from /dev/null and
// stdout+stderr into `log`; stops the group after `timeout_s`.
ChildResult run_child(const std::vector<std::string>& argv, const fs::path& log, double timeout_s) {
  ChildResult r;
  Fd log_fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!log_fd) {
    r.start_error = log.string() + ": " + std::strerror(errno);
    return r;
  }
  SpawnOptions o;
  o.argv = argv;
  o.out = Output::to_fd(log_fd.get());
  o.err = Output::to_fd(log_fd.get());
  o.what = "plot command";
  auto child = Child::spawn(o);
  if (!child) {
    r.start_error = child.message();
    return r;
  }
  r.started = true;
  auto st = (*child)->wait_for(from_seconds(timeout_s));
  if (!st) {
    r.timed_out = true;
    st = (*child)->stop(Duration::zero());
  }
  if (st->code) r.exit_code = *st->code;
  if (st->signal) r.signal = *st->signal;
  return r;
}

}  // namespace

Result<fs::path> find_plot_script(const ReportOptions& options) {
  std::vector<fs::path> tried;
  auto usable = [&](const fs::path& p) {
    tried.push_back(p);
    std::error_code ec;
    return fs::is_regular_file(p, ec);
  };
  if (!options.plot_script.empty()) {
    if (usable(options.plot_script)) return options.plot_script;
    return make_error(fmt::format("plot script {} does not exist", options.plot_script.string()));
  }
  if (const char* e = std::getenv("SOAK_PLOT_SCRIPT"); e && *e) {
    if (usable(e)) return fs::path(e);
    return make_error(fmt::format("$SOAK_PLOT_SCRIPT={} does not exist", e));
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = exe.parent_path().parent_path() / "share" / "soak" / "plot.py";
    if (usable(installed)) return installed;
  }
#ifdef SOAK_SOURCE_DIR
  if (fs::path src = fs::path(SOAK_SOURCE_DIR) / "reports" / "plot.py"; usable(src)) return src;
#endif
  std::string where;
  for (const auto& p : tried) where += (where.empty() ? "" : ", ") + p.string();
  return make_error("plot.py not found (looked at " + where + "; set $SOAK_PLOT_SCRIPT)");
}

nlohmann::json prepare_plot_input(const Summary& summary, const RunData& data,
                                  const std::vector<std::string>& series) {
  using nlohmann::json;
  json j;
  j["plot"] = series;
  j["series"] = json::object();
  for (const auto& name : series) {
    const SeriesData* sd = data.find(name);
    if (!sd) continue;
    Downsampled d = downsample_minmax(sd->t, sd->v, kPlotBuckets);
    j["series"][name] = json{{"t", std::move(d.t)},
                             {"v", std::move(d.v)},
                             {"unit", series_unit(name)},
                             {"count", sd->t.size()},
                             {"downsampled", d.reduced}};
  }
  json events = json::array();
  for (const auto& e : data.events) {
    json ev = e.fields;
    ev.erase("summary");  // workload_end's summary is large and not plotted
    events.push_back(std::move(ev));
  }
  j["events"] = std::move(events);
  j["summary"] = to_json(summary);
  return j;
}

PlotOutcome render_plots(const Summary& summary, const RunData& data,
                         const std::vector<std::string>& series, const ReportOptions& options) {
  PlotOutcome out;
  if (series.empty()) return out;
  auto script = find_plot_script(options);
  if (!script) {
    out.missing = script.message();
    return out;
  }
  std::error_code ec;
  if (!fs::exists(options.python, ec)) {
    out.missing = fmt::format("Python interpreter {} not found (plots need Python 3 with matplotlib)",
                              options.python);
    return out;
  }
  ScratchDir tmp;
  if (!tmp.ok()) {
    out.missing = fmt::format("cannot create a temporary directory: {}", std::strerror(errno));
    return out;
  }
  fs::path input = tmp.path() / "plot-input.json";
  fs::path png_dir = tmp.path() / "png";
  fs::create_directory(png_dir, ec);
  {
    std::ofstream f(input, std::ios::binary);
    f << prepare_plot_input(summary, data, series).dump();
    if (!f) {
      out.missing = fmt::format("cannot write {}: {}", input.string(), std::strerror(errno));
      return out;
    }
  }
  fs::path log = tmp.path() / "plot.log";
  // An interrupted run must flush its reports within seconds (GitHub sends
  // SIGTERM 7.5 s after SIGINT): plots get a short leash then.
  double timeout = summary.status == RunStatus::kInterrupted
                       ? std::min(options.plot_timeout_s, kInterruptedPlotTimeoutS)
                       : options.plot_timeout_s;
  ChildResult r = run_child({options.python, script->string(), "--prepared", input.string(),
                             tmp.path().string(), png_dir.string()},
                            log, timeout);
  if (!r.started) {
    out.missing = fmt::format("cannot run {}: {}", options.python, r.start_error);
    return out;
  }
  if (r.timed_out) {
    out.missing = fmt::format("{} took longer than {:g}s and was stopped", script->string(),
                              timeout);
    return out;
  }
  if (r.exit_code != 0) {
    std::string why = last_lines(read_all(log), 3);
    out.missing = fmt::format("{} failed ({}): {}", script->string(),
                              r.signal ? signal_name(r.signal)
                                       : fmt::format("exit code {}", r.exit_code),
                              why.empty() ? "no output" : why);
    return out;
  }
  // plot.py writes manifest.json: [{"series": name, "file": "01_rss_bytes.png"}, ...]
  nlohmann::json manifest;
  try {
    manifest = nlohmann::json::parse(read_all(png_dir / "manifest.json"));
  } catch (const std::exception& e) {
    out.missing = fmt::format("{} wrote no readable manifest.json: {}", script->string(), e.what());
    return out;
  }
  std::vector<std::string> absent;
  for (const auto& name : series) {
    bool found = false;
    for (const auto& m : manifest) {
      if (!m.is_object() || m.value("series", "") != name) continue;
      std::string file = m.value("file", "");
      if (file.empty() || file.find('/') != std::string::npos) continue;
      std::string png = read_all(png_dir / file);
      if (png.size() < 8 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) continue;
      out.images.push_back({name, std::move(png)});
      found = true;
      break;
    }
    if (!found) absent.push_back(name);
  }
  if (!absent.empty()) {
    std::string names;
    for (const auto& a : absent) names += (names.empty() ? "" : ", ") + a;
    out.missing = fmt::format("{} drew no plot for {}", script->string(), names);
  }
  return out;
}

}  // namespace soak
