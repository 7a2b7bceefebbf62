#include "harness/validate.h"

#include <unistd.h>

#include <cstdlib>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "common/series.h"
#include "harness/sut_limits.h"
#include "probes/proc_probe.h"
#include "probes/registry.h"
#include "workloads/registry.h"

namespace soak {

namespace fs = std::filesystem;

namespace {

bool is_executable_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

Status check_timing(const RunConfig& c) {
  if (c.duration <= Duration::zero())
    return make_error(
        "--duration: missing (a run needs a length, e.g. --duration 2h or \"duration\": \"2h\" in the config)");
  if (c.interval <= Duration::zero())
    return make_error(fmt::format("--interval \"{}\": must be above 0 (e.g. 1s)", format_duration(c.interval)));
  if (c.interval >= c.duration)
    return make_error(fmt::format("--interval \"{}\": must be shorter than --duration \"{}\"",
                                  format_duration(c.interval), format_duration(c.duration)));
  if (c.warmup && *c.warmup >= c.duration)
    return make_error(fmt::format("--warmup \"{}\": must be shorter than --duration \"{}\" (or auto)",
                                  format_duration(*c.warmup), format_duration(c.duration)));
  if (c.pss_interval <= Duration::zero())
    return make_error("--pss-interval: must be above 0 (e.g. 30s)");
  if (c.go_interval && *c.go_interval <= Duration::zero())
    return make_error("--go-interval/probes.go_interval: must be above 0 (e.g. 5s)");
  if (c.metrics_interval && *c.metrics_interval <= Duration::zero())
    return make_error("--metrics-interval/probes.metrics_interval: must be above 0 (e.g. 1s)");
  if (c.ready_timeout <= Duration::zero())
    return make_error("--ready-timeout: must be above 0 (e.g. 60s)");
  if (!(c.confidence > 0.5 && c.confidence < 1))
    return make_error(fmt::format("--confidence \"{}\": expected a number between 0.5 and 1 (exclusive)",
                                  c.confidence));
  return Status::Ok();
}

// No command: soak observes a service it did not launch (another machine, a
// container, a process someone else started) through --metrics and --go.
Status check_remote_sut(RunConfig& c) {
  if (!c.metrics_url && !c.go_url)
    return make_error("no SUT command: give it after -- (soak run --duration 1h -- ./server --port 8080) "
                      "or as sut.command in the config; to soak a service soak does not launch, give "
                      "--metrics URL and/or --go URL instead");
  if (c.gctrace)
    return make_error("--gctrace/probes.gctrace: needs a SUT command (it sets GODEBUG=gctrace=1 for a process "
                      "soak launches and reads its stderr); without one, use --go URL or --metrics URL");
  if (!c.env.empty())
    return make_error(fmt::format("--env/sut.env \"{}\": no SUT command to give it to (soak launches nothing "
                                  "when it observes a service through --metrics/--go)",
                                  c.env.begin()->first));
  if (c.ready && c.ready->kind == ReadySpec::Kind::kLog)
    return make_error(fmt::format("--ready/sut.ready \"{}\": a log: readiness needs a SUT command (soak reads "
                                  "only the output of a process it launches); use http:// or tcp: instead",
                                  c.ready->text));
  if (!c.ready) {  // then ready when the endpoint answers (readiness_spec)
    auto spec = readiness_spec(c);
    if (!spec) return make_error(fmt::format("{}: {}", c.metrics_url ? "--metrics" : "--go", spec.message()));
  }
  return Status::Ok();
}

Status check_sut(RunConfig& c) {
  std::error_code ec;
  fs::path cwd = fs::absolute(c.cwd, ec);
  if (ec || !fs::is_directory(cwd, ec))
    return make_error(fmt::format("--cwd/sut.cwd \"{}\": no such directory", c.cwd.string()));
  c.cwd = cwd.lexically_normal();
  if (c.command.empty()) return check_remote_sut(c);
  if (c.command[0].empty())
    return make_error("SUT command: the program name is empty (expected e.g. -- ./server --port 8080)");
  std::string path_env;
  if (auto it = c.env.find("PATH"); it != c.env.end()) path_env = it->second;
  else if (const char* p = std::getenv("PATH")) path_env = p;
  else path_env = "/usr/local/bin:/usr/bin:/bin";
  auto prog = find_program(c.command[0], c.cwd, path_env);
  if (!prog) return make_error(fmt::format("SUT command \"{}\": {}", c.command[0], prog.message()));
  c.command[0] = prog->string();
  return Status::Ok();
}

Status check_out(const RunConfig& c) {
  std::error_code ec;
  if (c.out.empty()) return make_error("--out: empty path (expected a directory such as soak-out)");
  if (!fs::exists(c.out, ec)) {
    // It will be created: its nearest existing ancestor must be a writable
    // directory, so a typo fails now rather than after the SUT started.
    fs::path parent = fs::absolute(c.out, ec).parent_path();
    while (!parent.empty() && !fs::exists(parent, ec) && parent != parent.root_path()) parent = parent.parent_path();
    if (!fs::is_directory(parent, ec))
      return make_error(fmt::format("--out \"{}\": {} is not a directory", c.out.string(), parent.string()));
    if (::access(parent.c_str(), W_OK | X_OK) != 0)
      return make_error(fmt::format("--out \"{}\": cannot create it: {} is not writable", c.out.string(),
                                    parent.string()));
    return Status::Ok();
  }
  if (!fs::is_directory(c.out, ec))
    return make_error(fmt::format("--out \"{}\": exists and is not a directory", c.out.string()));
  if (!c.force && !fs::is_empty(c.out, ec))
    return make_error(fmt::format("--out \"{}\": directory is not empty (use --force to write into it, or "
                                  "choose another --out)",
                                  c.out.string()));
  return Status::Ok();
}

// Which series this run can produce, from the probes and workloads it would
// build (built, never started).
struct Producible {
  std::set<std::string, std::less<>> series;
  bool prom = false;  // --metrics: prom:* names are only known once scraped
  std::set<std::string, std::less<>> proc_series;  // what the process probe would add for a launched SUT
};

Result<Producible> producible_series(const RunConfig& c) {
  Producible out;
  auto probes = make_probes(probe_options(c));
  if (!probes) return probes.error();
  for (const auto& p : *probes)
    for (auto& s : p->series()) out.series.insert(std::move(s));
  if (c.memory_limit_bytes) out.series.insert("cgroup_memory_bytes");  // harness/sut_limits' probe
  out.prom = c.metrics_url.has_value();
  for (const auto& p : make_proc_probes(probe_options(c)))
    for (auto& s : p->series()) out.proc_series.insert(std::move(s));
  for (const auto& spec : c.workloads) {
    SOAK_TRY(validate_workload(spec));
    auto w = make_workload(spec);
    if (!w) return w.error();
    if (auto* rs = dynamic_cast<ReadingSource*>(w->get()))
      for (auto& s : rs->series()) out.series.insert(std::move(s));
  }
  return out;
}

Status check_budgets(const RunConfig& c, const Producible& p) {
  auto available = [&](std::string_view s) {
    return p.series.count(s) > 0 || (p.prom && s.starts_with("prom:"));
  };
  for (const auto& b : c.budgets) {
    // `--budget "x=1/h": ...` or `budgets.x: "x=1/h": ...`, as the parse errors read.
    auto it = c.budget_origins.find(b.spec);
    std::string who = it == c.budget_origins.end() ? fmt::format("budget \"{}\"", b.spec)
                      : it->second.starts_with("--") ? fmt::format("{} \"{}\"", it->second, b.spec)
                                                      : fmt::format("{}: \"{}\"", it->second, b.spec);
    auto r = resolve_budget_target(b.target, available);
    if (!r) {
      std::string hint;
      if (b.target.starts_with("prom:") && !c.metrics_url) hint = " (prom: series need --metrics URL)";
      else if (c.command.empty() && resolve_budget_target(b.target, [&](std::string_view s) {
                                      return available(s) || p.proc_series.count(s) > 0;
                                    }))
        hint = " (no SUT command: soak reads no /proc of a service it did not launch; --metrics maps "
               "process_resident_memory_bytes, process_open_fds and go_threads onto rss_bytes, fds and threads)";
      else if ((b.target == "goroutines" || b.target.starts_with("go_")) && !c.go_url && !c.gctrace)
        hint = " (Go series need --go URL or --gctrace)";
      return make_error(fmt::format("{}: {}{}", who, r.message(), hint));
    }
    if (b.per_request() && !available("requests"))
      return make_error(fmt::format("{}: per-request budgets need a workload that counts requests "
                                    "(--workload http://...)",
                                    who));
  }
  return Status::Ok();
}

// The token is read here, before anything is launched; every HTTP request of
// the run (probes, readiness, the built-in load) carries the result.
Status resolve_run_http(RunConfig& config) {
  auto http = resolve_http_settings(config.http_client);
  if (!http) return http.error();
  config.http = std::move(*http);
  for (auto& w : config.workloads)
    if (w.kind == WorkloadSpec::Kind::kHttp) w.client = config.http;
  return Status::Ok();
}

}  // namespace

Result<fs::path> find_program(const std::string& name, const fs::path& cwd, const std::string& path_env) {
  if (name.find('/') != std::string::npos) {
    fs::path p = fs::path(name).is_absolute() ? fs::path(name) : cwd / name;
    std::error_code ec;
    if (!fs::exists(p, ec)) return make_error(fmt::format("no such file (looked at {})", p.string()));
    if (!is_executable_file(p)) return make_error(fmt::format("{} is not an executable file", p.string()));
    return p.lexically_normal();
  }
  size_t start = 0;
  while (start <= path_env.size()) {
    size_t colon = path_env.find(':', start);
    std::string dir = path_env.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    fs::path base = dir.empty() ? cwd : fs::path(dir);  // an empty PATH entry means "."
    if (!base.is_absolute()) base = cwd / base;
    fs::path p = base / name;
    if (is_executable_file(p)) return p.lexically_normal();
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return make_error(fmt::format("not found in PATH ({})", path_env));
}

Status validate_run_config(RunConfig& config) {
  SOAK_TRY(check_timing(config));
  SOAK_TRY(check_sut(config));
  SOAK_TRY(check_out(config));
  if (config.history) SOAK_TRY(check_history_file(config.history->file));
  SOAK_TRY(resolve_native_heap(config));
  SOAK_TRY(resolve_run_http(config));
  auto producible = producible_series(config);
  if (!producible) return producible.error();
  SOAK_TRY(check_budgets(config, *producible));
  SOAK_TRY(validate_sut_limits(config));
  config.resolved = config_to_json(config);
  return Status::Ok();
}

}  // namespace soak
