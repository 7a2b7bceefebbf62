// The command line (DESIGN.md section 2): argv into a request main() acts on.
//
//   soak run [OPTIONS] [-- COMMAND [ARGS...]]
//   soak report RUN_DIR
//   soak check RUN_DIR [--budget SPEC]... [--strict] [--confidence X]
//   soak compare BASE_RUN_DIR RUN_DIR
//   soak fleet --prometheus URL --select MATCHERS (--since D | --duration D) [...]  (harness/fleet_cli.h)
//   soak history FILE [--out DIR] [--otava OUT.json]
//   soak --version | --help | run --help
//
// Precedence for `run`: flags over the --config file over defaults. For the
// keys that are lists:
//   --budget    adds to the config's budgets; a flag budget replaces a config
//               budget on the same target and kind (slope/level), so
//               `--budget rss=4MiB/h` loosens the file's "rss": "2MiB/h" and
//               keeps its "rss": "<=512MiB".
//   --workload  replaces the config's workloads (the key "workloads").
//   --env       adds to / overrides sut.env per variable.
//   --rate, --connections  set "rate"/"connections" of the HTTP workloads
//               given by --workload, or else of the config's HTTP workloads;
//               an error when there is none.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/budget.h"
#include "common/result.h"
#include "harness/config.h"
#include "harness/fleet.h"
#include "harness/history.h"

namespace soak {

enum class CliCommand { kRun, kReport, kCheck, kCompare, kFleet, kHistory, kHelp, kVersion };

struct CliRequest {
  CliCommand command = CliCommand::kHelp;
  RunConfig run;                      // kRun: parsed, not yet validated
  std::filesystem::path run_dir;      // report, check; compare: the new run
  std::filesystem::path base_dir;     // compare: the baseline run
  std::vector<Budget> budgets;        // check: replace the recorded budgets when non-empty
  std::optional<bool> strict;         // check: --strict given
  std::optional<double> confidence;   // check: --confidence given
  std::optional<HistorySettings> history;  // check: --history/--build/--history-warn-only
  std::filesystem::path history_file;      // history: FILE
  HistoryCommandOptions history_options;   // history: --out, --otava
  std::string text;                   // kHelp / kVersion: what to print on stdout
  FleetConfig fleet;                  // kFleet: parsed and validated
};

/// Parses argv (args[0] is the program name). Errors are usage errors
/// (exit 2) whose message names the flag, the text and what was expected.
Result<CliRequest> parse_cli(const std::vector<std::string>& args);

/// `FLAG "TEXT": REASON`, the shape of every flag error.
Error flag_error(std::string_view flag, std::string_view text, std::string_view reason);
/// --confidence: a number in (0.5, 1).
Result<double> confidence_flag(const std::string& text);
/// --budget values, each parsed; the error names the spec.
Result<std::vector<Budget>> budget_flags(const std::vector<std::string>& specs);

/// "soak 0.1.0".
std::string version_text();

}  // namespace soak
