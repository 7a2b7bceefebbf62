// The resolved configuration of `soak run`: flags over config file over
// defaults (DESIGN.md sections 2 and 4). Strings become types here, at the
// edge, and nowhere else.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/budget.h"
#include "common/result.h"
#include "common/units.h"
#include "harness/history.h"
#include "harness/http_options.h"
#include "harness/native_heap.h"
#include "probes/registry.h"
#include "workloads/workload.h"

#include <re2/re2.h>

namespace soak {

struct ReadySpec {
  enum class Kind { kTcp, kHttp, kLog } kind = Kind::kTcp;
  std::string text;   // as written
  std::string host;   // kTcp
  int port = 0;       // kTcp
  std::string url;    // kHttp
  std::string regex;  // kLog (validated RE2 syntax, log_regex_options())
};

enum class Style { kAuto, kBasic, kNone };

struct RunConfig {
  // sut
  std::vector<std::string> command;
  std::filesystem::path cwd = ".";
  std::map<std::string, std::string> env;      // config sut.env, then --env
  std::optional<ReadySpec> ready;
  Duration ready_timeout = std::chrono::seconds(60);
  double sut_log_limit_bytes = 64.0 * 1024 * 1024;  // sut.log cap (sut.log_limit)
  std::optional<double> memory_limit_bytes;    // --memory-limit / sut.memory_limit: own memory cgroup
  std::optional<uint64_t> nofile;              // --nofile / sut.nofile: RLIMIT_NOFILE of the SUT
  // timing
  Duration duration{};                         // required
  std::optional<Duration> warmup;              // empty = auto
  Duration interval = std::chrono::seconds(1);
  Duration pss_interval = std::chrono::seconds(30);
  // output
  std::filesystem::path out = "soak-out";
  bool force = false;
  Style style = Style::kAuto;
  // judging
  std::vector<Budget> budgets;
  /// Where each budget spec came from, for messages: "--budget" or a config
  /// path such as "budgets.rss[1]". Specs without an entry say "budget".
  std::map<std::string, std::string> budget_origins;
  double confidence = 0.99;
  bool strict = false;
  bool fail_fast = false;
  std::optional<HistorySettings> history;     // --history/--build/--history-warn-only, config "history"
  // load and probes
  std::vector<WorkloadSpec> workloads;
  std::optional<std::string> go_url;
  bool gctrace = false;
  std::optional<std::string> metrics_url;
  std::optional<Duration> go_interval;       // empty: GoProbe::default_interval
  std::optional<Duration> go_live_heap;      // forced-GC readings; zero: off; empty: GoProbe::default_live_heap_every
  std::optional<Duration> metrics_interval;  // empty: interval
  size_t metrics_max_series = kDefaultMetricsMaxSeries;  // --metrics-max-series / probes.metrics_max_series
  NativeHeapPlan native_heap;                // --native-heap / probes.native_heap; resolved by validation
  HttpClientConfig http_client;              // --header/--token-file/--insecure, config "http_client"
  /// http_client resolved by validation (the token read from its file): what
  /// every request of the probes, readiness and the built-in load carries.
  /// Never written anywhere.
  HttpSettings http;
  // provenance
  std::optional<std::filesystem::path> config_file;
  nlohmann::json resolved;  // the configuration as JSON for run.json
};

/// Reads a JSON config file into `config` (unknown keys are errors naming
/// their path, e.g. "probes.gc_trace: unknown key").
Status load_config_file(const std::filesystem::path& file, RunConfig& config);
/// Same from JSON text (tests).
Status apply_config_json(const nlohmann::json& j, RunConfig& config);

/// "tcp:HOST:PORT", "http://...", "log:REGEX". The error is only the reason;
/// callers prefix the flag or config path and the text.
Result<ReadySpec> parse_ready_spec(std::string_view text);
/// The options log:REGEX readiness compiles with (RE2 syntax; errors are
/// returned, not printed by RE2 itself).
re2::RE2::Options log_regex_options();
/// A --memory-limit / sut.memory_limit in bytes: at least 4 MiB.
Status check_memory_limit(double bytes);
/// "auto", "basic", "none".
Result<Style> parse_style(std::string_view text);
std::string_view to_string(Style s);
/// The configuration as a config-file JSON object (run.json "config"); read
/// back by apply_config_json it gives the same configuration.
nlohmann::json config_to_json(const RunConfig& config);

/// What the run waits for: --ready/sut.ready when given; without a command
/// and without one, the observed endpoint answering 2xx (the --metrics URL,
/// else the --go goroutine profile the probe reads); otherwise nothing
/// (ready at once). Not stored in the config: `{url}` and run.json keep what
/// the user wrote.
Result<std::optional<ReadySpec>> readiness_spec(const RunConfig& config);

/// The probe options a run asks for (the run loop and validation build the
/// same probes from it).
ProbeOptions probe_options(const RunConfig& config);

}  // namespace soak
