// GitHub Actions outputs (REFERENCE.md "GitHub Actions"): workflow commands
// that annotate the job, and the step summary file.
#pragma once

#include <filesystem>
#include <ostream>
#include <string_view>

#include "common/result.h"
#include "common/run_data.h"
#include "common/summary.h"

namespace soak {

/// GitHub caps a step summary at 1 MiB.
inline constexpr size_t kStepSummaryLimit = 1024 * 1024;

/// `::error title=...::message` per failed budget and for a failed SUT,
/// `::warning title=...::message` per inconclusive budget, every value escaped
/// (workflow_escape_property / workflow_escape_data).
void write_workflow_commands(const Summary& summary, const RunData& data, std::ostream& out);

/// Appends `markdown` to `path` ($GITHUB_STEP_SUMMARY), cut to
/// kStepSummaryLimit bytes (at a line end, with a note) when longer. The
/// error names the file and the reason.
Status append_step_summary(const std::filesystem::path& path, std::string_view markdown);

}  // namespace soak
