// Formatting shared by the report writers: verdict words, budget figures in
// the budget's own unit, the list of series worth a plot.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/run_data.h"
#include "common/summary.h"

namespace soak {

/// "PASS", "FAIL", "INCONCLUSIVE", "SUT FAILED", "INTERRUPTED", "ERROR".
std::string status_headline(RunStatus s);
/// "pass" / "FAIL" / "inconclusive" as shown in budget tables.
std::string verdict_word(Verdict v);

/// A budget figure (limit, observed, interval ends) in the budget's unit:
/// "1.50 MiB/h", "512 B/req", "3 /h", "180 MiB" for levels.
std::string format_budget_value(const BudgetResult& b, double v);
/// "1.10 MiB/h [0.80 MiB/h, 1.40 MiB/h]" or "unknown" when not observed.
std::string format_observed(const BudgetResult& b);
/// The budget's limit converted to per hour; empty for level and per-request.
std::optional<double> limit_per_hour(const BudgetResult& b);

/// One line per series with a known limit, as the reports show it:
/// "rss reaches 1 GiB in 41 h [29 h, 73 h] (--memory-limit)".
std::vector<std::string> time_to_limit_lines(const Summary& summary);

/// Seconds as "2h", "1h30m", "45.2s".
std::string format_seconds(double s);

/// The unit of a culprit's before/after figures: "bytes" for Go and native
/// heap sites, "count" for goroutine stacks.
std::string culprit_unit(const Culprit& c);
/// A native allocation site in one line:
/// "heap 1.2 MiB -> 48 MiB at handle_request (server.cc:212)".
std::string native_culprit_line(const Culprit& c);

/// Series that get a plot, in order: budgeted series first, then the key
/// series present in the data (rss, heaps, threads, fds, sockets,
/// goroutines, latency p99).
std::vector<std::string> plotted_series(const Summary& summary, const RunData& data);

const SeriesSummary* find_series_summary(const Summary& summary, std::string_view name);


/// Why the SUT did not stay up, or empty when it did: from summary.exit,
/// status sut_failed and the launch_failed/ready_timeout/sut_exited events.
std::string sut_failure(const Summary& summary, const RunData& data);

/// report.html's style sheet, for other pages that should look the same.
std::string_view report_css();

/// Host and start facts from run.json ("unknown" when absent).
std::string run_fact(const RunData& data, std::string_view key);

}  // namespace soak
