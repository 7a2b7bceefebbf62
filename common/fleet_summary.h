// The summary of a `soak fleet` judgement (DESIGN.md section 9): one
// soak.summary/v1 document whose top level aggregates the fleet and which
// adds `instances` (each judged as a run would be) and `outliers`.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/summary.h"

namespace soak {

/// One instance: the value of the --by label and the labels all its series
/// share, and its judgement as a run's summary.
struct FleetInstance {
  std::string name;                           // value of the --by label
  std::map<std::string, std::string> labels;  // without __name__
  Summary summary;
};

/// An instance whose slope sits far above the fleet's (robust z).
struct FleetOutlier {
  std::string instance;
  std::string series;
  double slope_per_h = 0;
  double fleet_median_per_h = 0;
  double fleet_mad_per_h = 0;
  double z = 0;
  bool within_budget = true;  // no budget on this series failed for this instance
};

/// Where the data came from.
struct FleetSource {
  std::string prometheus;  // base URL
  std::string select;      // label matchers as given
  std::string by = "instance";
  std::string mode;        // "since" | "duration"
  double start_unix = 0, end_unix = 0;
  double step_s = 0;
  std::string step_from;   // "flag", "scrape interval", "window/2000", ...
  size_t requests = 0;     // HTTP requests sent to the server
  size_t chunks = 0;       // range requests (each at most 11,000 points per series)
  std::vector<std::string> queries;
  std::vector<std::string> header_names;  // --header names only (values may be secrets)
};

struct FleetSummary {
  /// Top level: status, exit code, run facts, one aggregated row per budget
  /// (verdict fail when any instance fails), warnings.
  Summary fleet;
  FleetSource source;
  std::vector<FleetInstance> instances;
  std::vector<FleetOutlier> outliers;
};

/// summary.json of a fleet: to_json(fleet) plus "fleet", "instances" and
/// "outliers". An instance is {name, labels, status, exit_code, run, budgets,
/// series, warnings}.
nlohmann::json to_json(const FleetSummary& s);

/// "2026-12-01T09:00:00Z".
std::string utc_text(double unix_s);

}  // namespace soak
