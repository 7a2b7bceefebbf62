#include "common/series.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace soak {

const std::vector<SeriesInfo>& canonical_series() {
  static const std::vector<SeriesInfo> kSeries = {
      {"rss_bytes", "bytes", SeriesKind::kBytes, "/proc/PID/status VmRSS"},
      {"rss_anon_bytes", "bytes", SeriesKind::kBytes, "/proc/PID/status RssAnon"},
      {"pss_bytes", "bytes", SeriesKind::kBytes, "/proc/PID/smaps_rollup Pss"},
      {"threads", "count", SeriesKind::kCount, "/proc/PID/status Threads"},
      {"fds", "count", SeriesKind::kCount, "/proc/PID/fd entries"},
      {"sockets", "count", SeriesKind::kCount, "/proc/PID/fd socket links"},
      {"cpu_seconds", "seconds", SeriesKind::kCounter, "/proc/PID/stat utime+stime"},
      {"heap_bytes", "bytes", SeriesKind::kBytes, "allocator in-use bytes (preload shim)"},
      {"heap_allocs", "count", SeriesKind::kCount, "live allocations (preload shim)"},
      {"cgroup_memory_bytes", "bytes", SeriesKind::kBytes,
       "memory.current / memory.usage_in_bytes of the SUT's cgroup (--memory-limit)"},
      {"goroutines", "count", SeriesKind::kCount, "Go goroutine profile total"},
      {"go_heap_alloc_bytes", "bytes", SeriesKind::kBytes, "Go MemStats HeapAlloc"},
      {"go_heap_live_bytes", "bytes", SeriesKind::kBytes, "Go live heap after GC (gctrace)"},
      {"go_gc_cycles", "count", SeriesKind::kCounter, "Go NumGC"},
      {"go_gc_cpu_fraction", "ratio", SeriesKind::kOther, "Go GC CPU share"},
      {"requests", "count", SeriesKind::kCounter, "built-in workload: completed requests"},
      {"errors", "count", SeriesKind::kCounter, "built-in workload: failed requests"},
      {"latency_p50_ms", "ms", SeriesKind::kLatency, "built-in workload p50 per interval"},
      {"latency_p99_ms", "ms", SeriesKind::kLatency, "built-in workload p99 per interval"},
  };
  return kSeries;
}

const SeriesInfo* find_series(std::string_view name) {
  for (const auto& s : canonical_series())
    if (s.name == name) return &s;
  return nullptr;
}

std::string series_unit(std::string_view name) {
  if (const auto* s = find_series(name)) return std::string(s->unit);
  std::string_view base = name.substr(0, name.find('{'));
  if (base.ends_with("_bytes")) return "bytes";
  if (base.ends_with("_seconds") || base.ends_with("_seconds_total")) return "seconds";
  return "";
}

SeriesKind series_kind(std::string_view name) {
  if (const auto* s = find_series(name)) return s->kind;
  std::string_view base = name.substr(0, name.find('{'));
  if (base.ends_with("_total") || base.ends_with("_count") || base.ends_with("_sum"))
    return SeriesKind::kCounter;
  return SeriesKind::kOther;
}

namespace {
struct Alias {
  std::string_view name;
  std::vector<std::string> targets;
};
const std::vector<Alias>& aliases() {
  static const std::vector<Alias> kAliases = {
      {"rss", {"rss_bytes"}},
      {"heap", {"go_heap_live_bytes", "go_heap_alloc_bytes", "heap_bytes", "rss_anon_bytes"}},
      {"latency_p99", {"latency_p99_ms"}},
      {"latency_p50", {"latency_p50_ms"}},
      {"pss", {"pss_bytes"}},
  };
  return kAliases;
}
}  // namespace

bool is_alias(std::string_view target) {
  for (const auto& a : aliases())
    if (a.name == target) return true;
  return false;
}

std::vector<std::string> budget_candidates(std::string_view target) {
  for (const auto& a : aliases())
    if (a.name == target) return a.targets;
  if (find_series(target) || target.starts_with("prom:")) return {std::string(target)};
  return {};
}

Result<std::string> resolve_budget_target(std::string_view target,
                                          const std::function<bool(std::string_view)>& available) {
  auto candidates = budget_candidates(target);
  if (candidates.empty())
    return make_error(fmt::format("unknown series \"{}\" (expected a series name such as rss_bytes, "
                                  "an alias such as rss or heap, or prom:NAME)",
                                  target));
  for (const auto& c : candidates)
    if (available(c)) return c;
  if (candidates.size() == 1 && candidates[0] == target)
    return make_error(fmt::format("no probe produces series \"{}\"", target));
  return make_error(fmt::format("no probe produces \"{}\" (needs one of: {})", target,
                                fmt::join(candidates, ", ")));
}

}  // namespace soak
