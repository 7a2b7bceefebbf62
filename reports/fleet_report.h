// The reports of `soak fleet`: summary.json, report.html (one table of
// instances x budgets, outliers, then small multiples per budgeted series:
// one small inline SVG per instance on a shared scale), junit.xml (one test
// case per instance x budget) and summary.md.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "common/fleet_summary.h"
#include "common/result.h"
#include "common/run_data.h"
#include "reports/reports.h"

namespace soak {

/// `data[i]` holds the samples of `s.instances[i]` (for the small multiples).
void write_fleet_html(const FleetSummary& s, const std::vector<const RunData*>& data, std::ostream& out);
void write_fleet_junit(const FleetSummary& s, std::ostream& out);
void write_fleet_markdown(const FleetSummary& s, std::ostream& out);

/// Writes summary.json first, then junit.xml, summary.md and report.html;
/// appends summary.md to the GitHub step summary when `options` say so.
/// Returns warnings (a step summary that could not be written).
Result<std::vector<std::string>> write_fleet_reports(const std::filesystem::path& dir, const FleetSummary& s,
                                                     const std::vector<const RunData*>& data,
                                                     const ReportOptions& options);

}  // namespace soak
