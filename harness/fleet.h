// `soak fleet` (DESIGN.md section 9): judge every instance of a service from
// the Prometheus-API server that already scrapes it (Prometheus, Thanos,
// Mimir). Nothing is launched and nothing is collected by soak itself:
//
//   resolve the window (--since: the past D; --duration: watch D from now)
//     -> the step (--step, else the scrape interval seen in the raw samples,
//        else window/2000; at most kFleetMaxPointsPerSeries points)
//     -> /api/v1/query_range per metric (client_golang defaults mapped onto
//        canonical series as --metrics does, plus prom: series of budgets),
//        in chunks of at most 11,000 points per series
//     -> one RunData per value of the --by label
//     -> judge_run + assemble_summary per instance (the same analysis and
//        budgets as a run), fleet outliers (robust z of slopes)
//     -> summary.json, report.html, junit.xml, summary.md in --out
//
// Exit: 1 when an instance fails a budget, 3 when the server cannot be
// reached or the selector matches nothing, 2 on bad flags or a query the
// server rejects, 4 for inconclusive under --strict, 130 when interrupted.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/budget.h"
#include "common/fleet_summary.h"
#include "common/result.h"
#include "common/run_data.h"
#include "common/units.h"
#include "harness/http_options.h"
#include "probes/prom_api.h"

namespace soak {

/// Points per series fetched at most (four 11,000-point requests): a longer
/// window at the scrape interval gets a coarser step.
inline constexpr size_t kFleetMaxPointsPerSeries = 4 * kPromMaxPointsPerSeries;
/// Points per series when the scrape interval is unknown.
inline constexpr double kFleetDefaultPoints = 2000;

struct FleetConfig {
  std::string prometheus;            // base URL, e.g. http://127.0.0.1:9090
  std::string select;                // as given: {job="api"}
  std::string matchers;              // the matchers inside the braces: job="api"
  std::string by = "instance";
  std::optional<Duration> since;     // judge [now - since, now]
  std::optional<Duration> duration;  // watch [now, now + duration], then judge
  std::optional<Duration> step;
  std::vector<Budget> budgets;
  HttpClientConfig http_client;      // --header, --token-file, --insecure as given
  HttpSettings http;                 // http_client resolved (the token read): every request carries it
  std::filesystem::path out = "soak-out";
  bool force = false;
  bool strict = false;
  double confidence = 0.99;
  Duration timeout = std::chrono::seconds(30);  // per HTTP request
};

/// The matchers inside `{...}` (braces optional), checked for shape:
/// NAME OP "VALUE" (OP one of = != =~ !~) separated by commas. Error says
/// what is wrong with the text.
Result<std::string> parse_fleet_selector(std::string_view text);

/// Checks what needs no server: every budget names a series a fleet has
/// (the canonical series client_golang's defaults map onto, their aliases,
/// or prom:NAME{labels}) and none is per request. Error: usage (exit 2).
Status validate_fleet_config(const FleetConfig& config);

/// One metric query and the series names its results are recorded under.
struct FleetQuery {
  std::string query;               // go_goroutines{job="api"}
  std::vector<std::string> names;  // goroutines, prom:go_goroutines
};

/// Series name under which process_start_time_seconds is read to see
/// restarts; never judged.
inline constexpr std::string_view kFleetStartTimeSeries = "process_start_time_seconds";

/// The queries for `config`: client_golang defaults, then prom: budgets,
/// then process_start_time_seconds (restarts).
std::vector<FleetQuery> fleet_queries(const FleetConfig& config);

/// Data of one instance, ready to judge. `data.series[].t` is seconds since
/// the window's start.
struct FleetInstanceData {
  std::string name;
  std::map<std::string, std::string> labels;
  RunData data;
};

/// Groups query results into instances by the `by` label (pure). Series
/// without that label are skipped with a warning; two series of one query
/// in one instance keep the one with more points, with a warning.
std::vector<FleetInstanceData> group_fleet(const std::vector<std::pair<FleetQuery, PromMatrix>>& results,
                                           const std::string& by, double start_unix, double step_s,
                                           std::vector<std::string>& warnings);

/// An instance that restarted inside the window (its
/// process_start_time_seconds moved by more than 1.5 s: client_golang
/// derives it from btime, which jitters by a second) is judged from the
/// first point of its last process on: the series of a dead process would
/// read as a drop, its counters as a reset. Removes the start-time series
/// either way. Returns the restart's time (s since the window's start).
std::optional<double> cut_at_last_restart(FleetInstanceData& instance);

/// A warning per instance whose last sample lies more than `tolerance_s`
/// before the window's end: it went away (the server writes staleness
/// markers for a target that stopped answering). `src.by` names the label.
std::vector<std::string> silence_warnings(const std::vector<FleetInstanceData>& instances, const FleetSource& src,
                                          double tolerance_s);

/// Judges every instance as a run, aggregates, finds outliers (pure).
FleetSummary judge_fleet(const std::vector<FleetInstanceData>& instances, const FleetConfig& config,
                         const FleetSource& source, std::vector<std::string> warnings);

/// The whole command. Prints progress and the verdict table to `out`, errors
/// to `err` ("soak: ..."); returns the exit code.
int run_fleet(const FleetConfig& config, std::ostream& out, std::ostream& err);

}  // namespace soak
