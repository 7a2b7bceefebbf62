// Plots: the C++ side prepares the data (downsampled series, events, the
// summary) and runs reports/plot.py (matplotlib) in a child process with a
// timeout; the PNGs come back as bytes for report.html. Plotting never
// decides a verdict: every failure comes back as a reason to show.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/run_data.h"
#include "common/summary.h"
#include "reports/reports.h"
#include "reports/writer.h"

namespace soak {

/// Points per series handed to plot.py: min and max of this many buckets.
inline constexpr size_t kPlotBuckets = 1500;
/// Cap on plotting time when the run was interrupted (SIGINT/SIGTERM).
inline constexpr double kInterruptedPlotTimeoutS = 5;

struct PlotOutcome {
  std::vector<PlotImage> images;  // in the order asked for
  std::string missing;            // why some or all plots are missing; empty when all drawn
};

/// The plot script: options.plot_script, else $SOAK_PLOT_SCRIPT, else
/// <prefix>/share/soak/plot.py next to the running binary, else the source
/// tree's reports/plot.py. Error when none exists, listing where it looked.
Result<std::filesystem::path> find_plot_script(const ReportOptions& options);

/// plot.py's --prepared input: {"plot": [names], "series": {name: {"t","v","unit",
/// "count","downsampled"}}, "events": [...], "summary": summary.json}.
nlohmann::json prepare_plot_input(const Summary& summary, const RunData& data,
                                  const std::vector<std::string>& series);

/// Renders one PNG per series through plot.py. Temporary files are removed
/// before it returns.
PlotOutcome render_plots(const Summary& summary, const RunData& data,
                         const std::vector<std::string>& series, const ReportOptions& options);

}  // namespace soak
