// Canonical series names (DESIGN.md section 5) and budget aliases.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace soak {

/// How a series behaves, which decides the signal the analysis fits.
enum class SeriesKind {
  kBytes,    // a level in bytes, may sawtooth (GC, allocator): fit the block floor
  kCount,    // an integer level (threads, fds, goroutines): block minima, ties
  kCounter,  // monotonic cumulative (cpu_seconds, requests): not a leak signal
  kLatency,  // per-interval latency: block median
  kOther,    // scraped series of unknown meaning: block floor
};

struct SeriesInfo {
  std::string_view name;
  std::string_view unit;  // "bytes", "count", "seconds", "ms"
  SeriesKind kind;
  std::string_view source;
};

/// The canonical series table.
const std::vector<SeriesInfo>& canonical_series();
/// nullptr for names outside the table (e.g. "prom:..." series).
const SeriesInfo* find_series(std::string_view name);
/// Unit of any series: canonical unit, or guessed from a Prometheus name
/// (suffix _bytes -> "bytes", _seconds -> "seconds"), else "".
std::string series_unit(std::string_view name);
SeriesKind series_kind(std::string_view name);

/// Candidates for a budget target, in preference order: an alias expands
/// ("heap" -> go_heap_live_bytes, go_heap_alloc_bytes, heap_bytes,
/// rss_anon_bytes), a canonical or "prom:" name stands for itself. Empty when
/// the name is neither.
std::vector<std::string> budget_candidates(std::string_view target);
bool is_alias(std::string_view target);

/// First candidate for which `available` holds; error naming the target and
/// what would have been needed.
Result<std::string> resolve_budget_target(std::string_view target,
                                          const std::function<bool(std::string_view)>& available);

}  // namespace soak
