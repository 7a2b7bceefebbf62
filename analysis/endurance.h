// Endurance: how long until a series reaches its limit, and the verdict of
// an endurance budget `SERIES>=DURATION` (DESIGN.md section 9). Pure: numbers
// in, numbers out.
//
// The limit of a series is, in this order: a level budget on the same
// series (rss<=1GiB), --memory-limit (memory series), the SUT's GOMEMLIMIT
// (Go heap series), its RLIMIT_NOFILE (fds).
//
// Time to limit: headroom = limit - level, where level is the fitted line at
// the last sample (the floor signal the slope is fitted to, so a GC or
// allocator sawtooth does not count as headroom lost); estimate =
// headroom / slope, and the interval comes from the slope's one-sided
// confidence bounds (the same bounds the budgets are judged with):
// soonest = headroom / upper bound, latest = headroom / lower bound. A bound
// at or below zero never reaches the limit (empty).
//
// An endurance budget of D is judged like a slope budget whose ceiling is
// headroom / D: fail when even the lower bound reaches the limit within D
// (latest < D), pass when the upper bound does not (soonest >= D), else
// inconclusive. A series already at or over its limit fails.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/series_trend.h"
#include "common/budget.h"
#include "common/summary.h"

namespace soak {

/// The limits known for a run (run.json "limits"); empty when unknown.
struct SeriesLimits {
  std::optional<double> memory_bytes;      // --memory-limit
  std::optional<double> gomemlimit_bytes;  // GOMEMLIMIT of the SUT
  std::optional<double> nofile;            // RLIMIT_NOFILE of the SUT
};
nlohmann::json to_json(const SeriesLimits& l);
/// From run.json's "limits" (absent or malformed fields stay empty).
SeriesLimits limits_from_run_json(const nlohmann::json& run);

namespace analysis {

/// Memory series: --memory-limit applies to them.
bool is_memory_series(std::string_view series);
/// Go heap series: GOMEMLIMIT applies to them.
bool is_go_heap_series(std::string_view series);

struct KnownLimit {
  double value = 0;
  std::string source;  // "rss<=1GiB", "--memory-limit", "GOMEMLIMIT", "RLIMIT_NOFILE"
};

/// The limit of `series` in the order above. `level_budgets`: (resolved
/// series, limit, spec) of every level budget of the run.
std::optional<KnownLimit> limit_for(std::string_view series,
                                    const std::vector<std::tuple<std::string, double, std::string>>& level_budgets,
                                    const SeriesLimits& limits);

/// Seconds until `level` reaches `limit` at the slope and its bounds (per
/// hour). See the file comment.
TimeToLimit time_to_limit(double limit, double level, double slope_per_h, double low_per_h, double high_per_h);

struct EnduranceVerdict {
  Verdict verdict = Verdict::kInconclusive;
  double ceiling_per_h = 0;  // headroom / required duration
};
EnduranceVerdict judge_endurance(double required_s, const TimeToLimit& t, double limit, double level);

/// The time to limit of a series from its trend, the fitted level at
/// `last_t` (its last sample) and the slope's one-sided bounds. Empty
/// without a trend.
std::optional<TimeToLimit> series_time_to_limit(const SeriesTrend& tr, double last_t, const KnownLimit& limit);

/// Fills an endurance budget's result (kind "endurance", limit = required
/// seconds, observed/ci_low/ci_high = time to limit estimate/soonest/latest,
/// verdict, reason). `ttl` is the series' time to limit (empty: no limit
/// known or no trend), `tr` its trend (for why it is not judgeable).
void judge_endurance_budget(const Budget& b, std::string_view series, const std::string& unit,
                            const SeriesTrend& tr, const std::optional<TimeToLimit>& ttl, BudgetResult& r);

/// The time to limit of every series of `data` that has a trend and a known
/// limit (level budgets among `budgets`, resolved with `available`; the
/// other limits from run.json's "limits").
std::map<std::string, std::optional<TimeToLimit>> times_to_limit(
    const RunData& data, const std::map<std::string, SeriesTrend>& trends, const std::vector<Budget>& budgets,
    const std::function<bool(std::string_view)>& available);

/// The short name of a series in sentences: "rss" for rss_bytes,
/// "cgroup_memory" for cgroup_memory_bytes, "fds".
std::string short_series_name(std::string_view series);

/// "41 h", "35 min", "12 d", "never".
std::string format_time_to(std::optional<double> seconds);
/// "rss reaches 1 GiB in 41 h [29 h, 73 h]" (`what` is the series' short
/// name, `unit` its unit).
std::string describe_time_to_limit(std::string_view what, std::string_view unit, const TimeToLimit& t);

}  // namespace analysis
}  // namespace soak
