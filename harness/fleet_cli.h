// The flags of `soak fleet` (DESIGN.md section 9), kept apart from cli.cc so
// the other commands' parsing stays as it is.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/result.h"
#include "harness/fleet.h"
#include "harness/http_options.h"

namespace soak {

/// Raw flag values as typed.
struct FleetFlags {
  std::string prometheus, select, by = "instance", since, duration, step, out, confidence, timeout;
  std::vector<std::string> budgets;
  HttpClientFlags http;  // --header, --token-file, --insecure
  bool force = false, strict = false;
};

/// Adds the fleet options to `fleet`.
void add_fleet_options(CLI::App& fleet, FleetFlags& f);

/// Turns the typed flags into a FleetConfig; errors name the flag, the text
/// and what was expected (exit 2).
Result<FleetConfig> fleet_config_from_flags(const FleetFlags& f, const CLI::App& fleet);

}  // namespace soak
