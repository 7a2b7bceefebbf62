#include "harness/cli.h"

#include <charconv>
#include <cmath>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/fleet_cli.h"
#include "harness/http_options.h"
#include "net/url.h"

namespace soak {

Error flag_error(std::string_view flag, std::string_view text, std::string_view reason) {
  return make_error(fmt::format("{} \"{}\": {}", flag, text, reason));
}

namespace {

// Raw flag values as typed; turned into types after CLI11 has parsed, so
// every message has the same shape: --flag "text": reason.
struct RunFlags {
  std::string config, duration, warmup, interval, out, ready, ready_timeout, rate, connections,
      go, metrics, style, confidence, pss_interval, go_interval, go_live_heap, metrics_interval, log_limit, cwd,
      native_heap, memory_limit, nofile, metrics_max_series;
  std::vector<std::string> budgets, workloads, env;
  bool force = false, gctrace = false, strict = false, fail_fast = false;
  std::string history, build;
  bool history_warn_only = false;
  HttpClientFlags http;  // --header, --token-file, --insecure
};

struct CheckFlags {
  std::vector<std::string> budgets;
  bool strict = false;
  std::string confidence;
  std::string history, build;
  bool history_warn_only = false;
};

Result<double> parse_number(std::string_view text) {
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v))
    return make_error("not a number");
  return v;
}

Result<Duration> duration_flag(std::string_view flag, const std::string& text) {
  auto d = parse_duration(text);
  if (!d) return flag_error(flag, text, d.message());
  return *d;
}

// Flag budgets replace config budgets on the same target and kind.
std::vector<Budget> merge_budgets(const std::vector<Budget>& config, const std::vector<Budget>& flags) {
  std::vector<Budget> out;
  for (const auto& c : config) {
    bool replaced = false;
    for (const auto& f : flags) replaced = replaced || (f.target == c.target && f.kind == c.kind);
    if (!replaced) out.push_back(c);
  }
  out.insert(out.end(), flags.begin(), flags.end());
  return out;
}

// --history FILE, --build ID, --history-warn-only (run and check) onto
// `h` (which may hold the config's "history").
Status history_flags(const CLI::App& app, const std::string& file, const std::string& build, bool warn_only,
                     std::optional<HistorySettings>& h) {
  if (app.count("--history") > 0) {
    if (file.empty()) return flag_error("--history", file, "empty path (expected a file, e.g. soak-history.jsonl)");
    if (!h) h = HistorySettings{};
    h->file = file;
  }
  if (app.count("--build") > 0) {
    if (!h) return make_error(fmt::format("--build \"{}\": needs --history FILE (the build history to judge against)", build));
    if (build.empty() || build.find_first_of("\n\r") != std::string::npos)
      return flag_error("--build", build, "expected a build id such as a commit sha or CI run number");
    h->build = build;
  }
  if (warn_only) {
    if (!h) return make_error("--history-warn-only: needs --history FILE");
    h->warn_only = true;
  }
  return Status::Ok();
}

void add_history_options(CLI::App& app, std::string& file, std::string& build, bool& warn_only) {
  app.add_option("--history", file, "judge against the builds recorded in FILE, then append this one (docs/history.md)")
      ->type_name("FILE");
  app.add_option("--build", build, "build id recorded with --history [the git commit, else the start time]")
      ->type_name("ID");
  app.add_flag("--history-warn-only", warn_only, "a slope regression against the history warns instead of failing");
}

Status apply_run_flags(const RunFlags& f, const CLI::App& run, RunConfig& c) {
  auto given = [&](const char* name) { return run.count(name) > 0; };
  if (given("--config")) SOAK_TRY(load_config_file(f.config, c));
  SOAK_TRY(apply_http_client_flags(f.http, run, c.http_client));
  // Duration flags: the text as typed, into its field when given.
  auto duration = [&](const char* flag, const std::string& text, auto& field) -> Status {
    if (!given(flag)) return Status::Ok();
    auto d = duration_flag(flag, text);
    if (!d) return d.error();
    field = *d;
    return Status::Ok();
  };
  SOAK_TRY(duration("--duration", f.duration, c.duration));
  if (given("--warmup")) {
    if (f.warmup == "auto") {
      c.warmup.reset();
    } else {
      auto d = parse_duration(f.warmup);
      if (!d) return flag_error("--warmup", f.warmup, d.message() + " or auto");
      c.warmup = *d;
    }
  }
  SOAK_TRY(duration("--interval", f.interval, c.interval));
  SOAK_TRY(duration("--pss-interval", f.pss_interval, c.pss_interval));
  SOAK_TRY(duration("--go-interval", f.go_interval, c.go_interval));
  if (given("--go-live-heap")) {
    if (f.go_live_heap == "off") {
      c.go_live_heap = Duration::zero();
    } else {
      auto d = parse_duration(f.go_live_heap);
      if (!d) return flag_error("--go-live-heap", f.go_live_heap, d.message() + " or off");
      if (*d <= Duration::zero()) return flag_error("--go-live-heap", f.go_live_heap, "must be positive (or off)");
      c.go_live_heap = *d;
    }
  }
  SOAK_TRY(duration("--metrics-interval", f.metrics_interval, c.metrics_interval));
  if (given("--out")) {
    if (f.out.empty()) return flag_error("--out", f.out, "empty path (expected a directory)");
    c.out = f.out;
  }
  if (f.force) c.force = true;
  if (given("--cwd")) c.cwd = f.cwd;
  if (given("--log-limit")) {
    auto v = parse_size(f.log_limit);
    if (!v) return flag_error("--log-limit", f.log_limit, v.message());
    if (!(*v > 0)) return flag_error("--log-limit", f.log_limit, "expected a size above 0");
    c.sut_log_limit_bytes = *v;
  }
  if (given("--memory-limit")) {
    auto v = parse_size(f.memory_limit);
    if (!v) return flag_error("--memory-limit", f.memory_limit, v.message());
    if (auto st = check_memory_limit(*v); !st) return flag_error("--memory-limit", f.memory_limit, st.message());
    c.memory_limit_bytes = *v;
  }
  if (given("--nofile")) {
    auto v = parse_number(f.nofile);
    if (!v || *v < 1 || *v != std::floor(*v) || *v > 1e12)
      return flag_error("--nofile", f.nofile, "expected a whole number of file descriptors >= 1, e.g. 1024");
    c.nofile = static_cast<uint64_t>(*v);
  }
  if (given("--metrics-max-series")) {
    auto v = parse_number(f.metrics_max_series);
    if (!v || *v < 1 || *v != std::floor(*v) || *v > 1e9)
      return flag_error("--metrics-max-series", f.metrics_max_series, "expected a whole number of series >= 1, e.g. 500");
    c.metrics_max_series = static_cast<size_t>(*v);
  }
  if (given("--ready")) {
    auto r = parse_ready_spec(f.ready);
    if (!r) return flag_error("--ready", f.ready, r.message());
    c.ready = *r;
  }
  SOAK_TRY(duration("--ready-timeout", f.ready_timeout, c.ready_timeout));
  for (const auto& e : f.env) {
    auto eq = e.find('=');
    if (eq == std::string::npos || eq == 0)
      return flag_error("--env", e, "expected NAME=VALUE (e.g. GOMAXPROCS=2)");
    c.env[e.substr(0, eq)] = e.substr(eq + 1);
  }
  auto budgets = budget_flags(f.budgets);
  if (!budgets) return budgets.error();
  c.budgets = merge_budgets(c.budgets, *budgets);
  for (const auto& b : *budgets) c.budget_origins[b.spec] = "--budget";
  if (given("--confidence")) {
    auto v = confidence_flag(f.confidence);
    if (!v) return v.error();
    c.confidence = *v;
  }
  if (f.strict) c.strict = true;
  if (f.fail_fast) c.fail_fast = true;
  SOAK_TRY(history_flags(run, f.history, f.build, f.history_warn_only, c.history));
  if (given("--style")) {
    auto s = parse_style(f.style);
    if (!s) return flag_error("--style", f.style, s.message());
    c.style = *s;
  }
  if (given("--go")) {
    if (auto u = parse_url(f.go); !u) return flag_error("--go", f.go, u.message());
    c.go_url = f.go;
  }
  if (f.gctrace) c.gctrace = true;
  if (given("--native-heap")) {
    auto m = parse_native_heap_mode(f.native_heap);
    if (!m) return flag_error("--native-heap", f.native_heap, m.message());
    c.native_heap.mode = *m;
  }
  if (given("--metrics")) {
    if (auto u = parse_url(f.metrics); !u) return flag_error("--metrics", f.metrics, u.message());
    c.metrics_url = f.metrics;
  }

  if (!f.workloads.empty()) {
    c.workloads.clear();
    for (const auto& w : f.workloads) {
      WorkloadSpec spec;
      spec.origin = fmt::format("--workload \"{}\"", w);
      if (w.starts_with("http://") || w.starts_with("https://")) {
        spec.kind = WorkloadSpec::Kind::kHttp;
        spec.http = nlohmann::json{{"url", w}};
      } else if (w.starts_with("cmd:")) {
        spec.kind = WorkloadSpec::Kind::kCmd;
        spec.cmd = w.substr(4);
        if (spec.cmd.find_first_not_of(' ') == std::string::npos)
          return flag_error("--workload", w, "empty command after cmd:");
      } else {
        return flag_error("--workload", w, "expected http://HOST:PORT/PATH (built-in load) or cmd:COMMAND LINE");
      }
      c.workloads.push_back(std::move(spec));
    }
  }
  if (given("--rate") || given("--connections")) {
    std::optional<double> rate;
    std::optional<int> connections;
    if (given("--rate")) {
      auto v = parse_number(f.rate);
      if (!v || !(*v > 0))
        return flag_error("--rate", f.rate, "expected requests per second above 0, e.g. 100");
      rate = *v;
    }
    if (given("--connections")) {
      auto v = parse_number(f.connections);
      if (!v || *v < 1 || *v != std::floor(*v) || *v > 100000)
        return flag_error("--connections", f.connections, "expected a whole number of connections >= 1, e.g. 8");
      connections = static_cast<int>(*v);
    }
    bool any = false;
    for (auto& w : c.workloads) {
      if (w.kind != WorkloadSpec::Kind::kHttp) continue;
      any = true;
      if (rate) w.http["rate"] = *rate;
      if (connections) w.http["connections"] = *connections;
    }
    if (!any)
      return make_error(fmt::format("{}: needs a built-in HTTP workload (--workload http://HOST:PORT/PATH or "
                                    "config workloads[].http)",
                                    given("--rate") ? "--rate" : "--connections"));
  }
  return Status::Ok();
}

void add_run_options(CLI::App& run, RunFlags& f) {
  run.add_option("--config", f.config, "JSON config file (docs/config.md)")->type_name("FILE");
  run.add_option("--duration", f.duration, "run length after the SUT is ready: 90s, 45m, 2h, 1h30m (required)")
      ->type_name("D");
  run.add_option("--warmup", f.warmup, "leading part excluded from trend fits, or auto [auto]")->type_name("D|auto");
  run.add_option("--interval", f.interval, "base sampling interval [1s]")->type_name("D");
  run.add_option("--pss-interval", f.pss_interval, "PSS sampling interval (costly) [30s]")->type_name("D");
  run.add_option("--out", f.out, "run directory; refuses a non-empty one unless --force [soak-out]")
      ->type_name("DIR");
  run.add_flag("--force", f.force, "write into a non-empty run directory");
  run.add_option("--budget", f.budgets, "repeatable: rss=2MiB/h, heap=512B/req, rss<=512MiB")
      ->type_name("SPEC")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  run.add_option("--ready", f.ready, "readiness: tcp:HOST:PORT, http://... (2xx) or log:REGEX [ready at once]")
      ->type_name("SPEC");
  run.add_option("--ready-timeout", f.ready_timeout, "give up waiting for readiness [60s]")->type_name("D");
  run.add_option("--workload", f.workloads, "repeatable: http://... built-in load, or cmd:COMMAND LINE")
      ->type_name("SPEC")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  run.add_option("--rate", f.rate, "built-in load: requests per second [100]")->type_name("R");
  run.add_option("--connections", f.connections, "built-in load: concurrent connections [8]")->type_name("N");
  run.add_option("--go", f.go, "base URL of the SUT's Go debug endpoints")->type_name("URL");
  run.add_flag("--gctrace", f.gctrace, "set GODEBUG=gctrace=1 for the SUT and parse its stderr");
  run.add_option("--metrics", f.metrics, "scrape a Prometheus text endpoint of the SUT")->type_name("URL");
  run.add_option("--native-heap", f.native_heap,
                 "preload soak's allocation shim into a native SUT: auto, on or off [auto: dynamically linked, not Go]")
      ->type_name("MODE");
  run.add_option("--go-interval", f.go_interval,
                 "interval of the --go probe (pprof stops the world) [--duration/40, within --interval..5s]")
      ->type_name("D");
  run.add_option("--go-live-heap", f.go_live_heap,
                 "--go: read the live heap after a forced GC at most every D, or off [--duration/20, >= 5s]")
      ->type_name("D|off");
  run.add_option("--metrics-interval", f.metrics_interval, "interval of the --metrics scrape [--interval]")
      ->type_name("D");
  run.add_option("--metrics-max-series", f.metrics_max_series,
                 "--metrics: distinct scraped series recorded; the rest are dropped with a warning [500]")
      ->type_name("N");
  run.add_option("--env", f.env, "repeatable: extra environment for the SUT")
      ->type_name("K=V")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  run.add_option("--cwd", f.cwd, "working directory of the SUT [.]")->type_name("DIR");
  run.add_option("--log-limit", f.log_limit, "cap of sut.log and of each cmd: workload's log [64MiB]")->type_name("SIZE");
  run.add_option("--memory-limit", f.memory_limit,
                 "run the SUT's tree in a memory cgroup of its own with this limit; an OOM kill is exit 3")
      ->type_name("SIZE");
  run.add_option("--nofile", f.nofile, "RLIMIT_NOFILE of the SUT [inherited]")->type_name("N");
  run.add_flag("--strict", f.strict, "an inconclusive budget fails the run (exit 4)");
  run.add_flag("--fail-fast", f.fail_fast, "stop as soon as a budget is exceeded with significance");
  run.add_option("--confidence", f.confidence, "confidence of the budget tests [0.99]")->type_name("X");
  run.add_option("--style", f.style, "progress output: auto, basic or none [auto]")->type_name("STYLE");
  add_history_options(run, f.history, f.build, f.history_warn_only);
  add_http_client_options(run, f.http);
}

}  // namespace

Result<double> confidence_flag(const std::string& text) {
  auto v = parse_number(text);
  if (!v || !(*v > 0.5 && *v < 1))
    return flag_error("--confidence", text, "expected a number between 0.5 and 1 (exclusive), e.g. 0.99");
  return *v;
}

Result<std::vector<Budget>> budget_flags(const std::vector<std::string>& specs) {
  std::vector<Budget> out;
  for (const auto& s : specs) {
    auto b = parse_budget(s);
    if (!b) return flag_error("--budget", s, b.message());
    out.push_back(*b);
  }
  return out;
}

std::string version_text() { return fmt::format("soak {}", SOAK_VERSION); }

Result<CliRequest> parse_cli(const std::vector<std::string>& args) {
  // Split at the first "--" ourselves: everything after it is the SUT's
  // command line, untouched by CLI11 (its own flags may look like ours).
  std::vector<std::string> head, tail;
  bool dashdash = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0 && !dashdash && args[i] == "--") {
      dashdash = true;
      continue;
    }
    (dashdash ? tail : head).push_back(args[i]);
  }
  if (head.empty()) head.push_back("soak");

  CLI::App app{"soak: launch a service, drive load at it, sample its resources, fit trends and fail the "
               "build when a slope exceeds its budget.",
               "soak"};
  app.set_version_flag("--version", version_text());
  app.require_subcommand(0, 1);

  RunFlags rf;
  CLI::App* run = app.add_subcommand("run", "launch COMMAND (or config sut.command) and soak it");
  run->footer(
      "COMMAND: soak run [OPTIONS] -- COMMAND [ARGS...] launches COMMAND (else config sut.command).\n"
      "Without a command, soak launches nothing and observes a running service (local or on another\n"
      "machine) through --metrics URL and/or --go URL; it is ready when that endpoint answers.");
  add_run_options(*run, rf);

  std::string report_dir;
  CLI::App* report = app.add_subcommand("report", "re-render all reports from a run directory");
  report->add_option("RUN_DIR", report_dir, "run directory")->required();

  std::string check_dir;
  CheckFlags cf;
  CLI::App* check = app.add_subcommand("check", "re-judge budgets on a recorded run; same exit codes as run");
  check->add_option("RUN_DIR", check_dir, "run directory")->required();
  check->add_option("--budget", cf.budgets, "repeatable; replaces the budgets recorded in run.json")
      ->type_name("SPEC")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  check->add_flag("--strict", cf.strict, "an inconclusive budget fails (exit 4)");
  check->add_option("--confidence", cf.confidence, "confidence of the budget tests [as recorded, else 0.99]")
      ->type_name("X");
  add_history_options(*check, cf.history, cf.build, cf.history_warn_only);

  std::string base_dir, new_dir;
  CLI::App* compare = app.add_subcommand("compare", "compare two runs' slopes (nightly baseline)");
  compare->add_option("BASE_RUN_DIR", base_dir, "baseline run directory")->required();
  compare->add_option("RUN_DIR", new_dir, "run directory to compare against the baseline")->required();

  FleetFlags ff;
  CLI::App* fleet = app.add_subcommand("fleet", "judge every instance of a service from a Prometheus-API server");
  add_fleet_options(*fleet, ff);
  std::string history_file, history_out, history_otava;
  CLI::App* history = app.add_subcommand("history", "one line per recorded build; history.html with --out");
  history->add_option("FILE", history_file, "build history written by --history")->required();
  history->add_option("--out", history_out, "write history.html into DIR (created)")->type_name("DIR");
  history->add_option("--otava", history_otava, "write the history as Apache Otava's JSON input")->type_name("FILE");

  std::vector<const char*> argv;
  for (const auto& a : head) argv.push_back(a.c_str());

  CliRequest req;
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp&) {
    req.command = CliCommand::kHelp;
    // "soak run --help" prints the run options; plain --help the overview.
    const CLI::App* which = &app;
    for (const auto* sub : {run, report, check, compare, fleet, history})
      if (sub->parsed()) which = sub;
    req.text = which == &app ? app.help() : which->help("soak");
    return req;
  } catch (const CLI::CallForAllHelp&) {
    req.command = CliCommand::kHelp;
    req.text = app.help("", CLI::AppFormatMode::All);
    return req;
  } catch (const CLI::CallForVersion&) {
    req.command = CliCommand::kVersion;
    req.text = version_text() + "\n";
    return req;
  } catch (const CLI::ParseError& e) {
    std::string where;
    for (const auto* sub : {run, report, check, compare, fleet, history})
      if (sub->parsed()) where = sub->get_name();
    return make_error(fmt::format("{}{} (see soak {}--help)", where.empty() ? "" : where + ": ", e.what(),
                                  where.empty() ? "" : where + " "));
  }

  if (dashdash && !run->parsed())
    return make_error("\"--\" and a command are only accepted by soak run (see soak --help)");

  if (run->parsed()) {
    req.command = CliCommand::kRun;
    SOAK_TRY(apply_run_flags(rf, *run, req.run));
    if (dashdash) {
      if (tail.empty()) return make_error("run: nothing after \"--\" (expected -- COMMAND [ARGS...])");
      req.run.command = tail;  // the command line overrides sut.command
    }
    return req;
  }
  if (report->parsed()) {
    req.command = CliCommand::kReport;
    req.run_dir = report_dir;
    return req;
  }
  if (check->parsed()) {
    req.command = CliCommand::kCheck;
    req.run_dir = check_dir;
    auto b = budget_flags(cf.budgets);
    if (!b) return b.error();
    req.budgets = *b;
    if (cf.strict) req.strict = true;
    if (check->count("--confidence") > 0) {
      auto v = confidence_flag(cf.confidence);
      if (!v) return v.error();
      req.confidence = *v;
    }
    SOAK_TRY(history_flags(*check, cf.history, cf.build, cf.history_warn_only, req.history));
    return req;
  }
  if (history->parsed()) {
    req.command = CliCommand::kHistory;
    req.history_file = history_file;
    if (history->count("--out") > 0) {
      if (history_out.empty()) return flag_error("--out", history_out, "empty path (expected a directory)");
      req.history_options.out = history_out;
    }
    if (history->count("--otava") > 0) {
      if (history_otava.empty()) return flag_error("--otava", history_otava, "empty path (expected a file)");
      req.history_options.otava = history_otava;
    }
    return req;
  }
  if (compare->parsed()) {
    req.command = CliCommand::kCompare;
    req.base_dir = base_dir;
    req.run_dir = new_dir;
    return req;
  }
  if (fleet->parsed()) {
    req.command = CliCommand::kFleet;
    auto c = fleet_config_from_flags(ff, *fleet);
    if (!c) return c.error();
    req.fleet = std::move(*c);
    return req;
  }
  return make_error("missing command (expected run, report, check, compare, fleet or history; see soak --help)");
}

}  // namespace soak
