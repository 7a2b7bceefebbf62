// Report writers: report.html (with matplotlib plots), junit.xml, summary.md,
// and GitHub Actions outputs (DESIGN.md sections 7 and 8).
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/run_data.h"
#include "common/summary.h"

namespace soak {

struct ReportOptions {
  bool plots = true;                          // render plots with matplotlib
  std::string python = "/usr/bin/python3";    // interpreter with matplotlib
  std::filesystem::path plot_script;          // empty = the installed/in-tree reports/plot.py
  bool github_actions = false;                // GITHUB_ACTIONS=true: workflow commands
  std::optional<std::filesystem::path> step_summary;  // $GITHUB_STEP_SUMMARY
  std::ostream* workflow_out = nullptr;       // where ::error lines go (stdout if null)
  // Additions:
  double plot_timeout_s = 60;                 // plot.py is killed after this long
  size_t sut_log_lines = 100;                 // tail of sut.log shown in report.html
};

/// Options from the environment: GITHUB_ACTIONS=true turns on workflow
/// commands, GITHUB_STEP_SUMMARY names the step summary file. `soak run` and
/// `soak report` both use it.
ReportOptions report_options_from_env();

/// Before launch: the run directory's report files can be created and
/// written. The error names the file and the reason.
Status check_report_outputs(const std::filesystem::path& dir);

/// Writes summary.json (first, before any plotting), then every report.
/// Plotting problems never fail this: they come back as warnings and the
/// HTML says why it has no plots.
Result<std::vector<std::string>> write_reports(const std::filesystem::path& dir,
                                               const Summary& summary, const RunData& data,
                                               const ReportOptions& options);

}  // namespace soak
