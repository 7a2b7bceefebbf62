#include "probes/prometheus_probe.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace soak {

const std::vector<std::pair<std::string_view, std::string_view>>& prom_canonical_map() {
  static const std::vector<std::pair<std::string_view, std::string_view>> m = {
      {"go_goroutines", "goroutines"},
      {"process_resident_memory_bytes", "rss_bytes"},
      {"process_open_fds", "fds"},
      {"go_memstats_heap_alloc_bytes", "go_heap_alloc_bytes"},
      {"go_threads", "threads"},
  };
  return m;
}

bool prom_always_kept(std::string_view name) {
  for (auto [from, to] : prom_canonical_map())
    if (name == from) return true;
  return name == "process_start_time_seconds" || name == "process_cpu_seconds_total" ||
         name == "go_gc_duration_seconds_count";
}

MetricsProbe::MetricsProbe(Url url, Duration interval, std::set<std::string> direct, HttpSettings http,
                           size_t max_series, EventSink* events)
    : url_(std::move(url)),
      http_(std::move(http)),
      interval_(interval),
      direct_(std::move(direct)),
      max_series_(max_series),
      events_(events) {}

std::vector<std::string> MetricsProbe::series() const {
  std::vector<std::string> s;
  for (auto [from, to] : prom_canonical_map())
    if (!direct_.count(std::string(to))) s.emplace_back(to);
  s.emplace_back("prom:*");
  return s;
}

std::vector<Reading> MetricsProbe::readings(const PromExposition& ex) {
  constexpr size_t kNamesShown = 5;
  std::vector<Reading> out;
  std::vector<std::string> dropped_names;
  size_t dropped = 0;
  for (const auto& f : ex.families) {
    for (const auto& s : f.samples) {
      // JSON has no NaN or Inf: such a sample is "no value" this time.
      if (!std::isfinite(s.value) || !prom_sample_recorded(f, s)) continue;
      // The mapping first: a canonical series is recorded whatever the cap.
      if (s.labels.empty())
        for (auto [from, to] : prom_canonical_map())
          if (s.name == from && !direct_.count(std::string(to))) out.push_back({std::string(to), s.value, {}});
      std::string name = prom_series_name(s);
      if (!(s.labels.empty() && prom_always_kept(s.name)) && !kept_.count(name)) {
        if (kept_.size() >= max_series_) {
          ++dropped;
          if (dropped_names.size() < kNamesShown) dropped_names.push_back(std::move(name));
          continue;
        }
        kept_.insert(name);
      }
      out.push_back({std::move(name), s.value, {}});
    }
  }
  dropped_last_ = dropped;
  if (dropped > 0 && !warned_) warn_dropped(dropped_names, dropped);
  return out;
}

void MetricsProbe::warn_dropped(const std::vector<std::string>& first, size_t count) {
  warned_ = true;
  std::string msg = fmt::format(
      "metrics: {} series beyond --metrics-max-series {} were not recorded (first: {}{}); "
      "raise --metrics-max-series to keep them",
      count, max_series_, fmt::join(first, ", "), count > first.size() ? ", ..." : "");
  if (events_) events_->emit("warning", {{"source", "metrics"}, {"message", msg}, {"dropped", count}});
}

Result<std::vector<Reading>> MetricsProbe::sample(const Target&) {
  auto timeout = std::clamp<Duration>(interval_ / 2, std::chrono::milliseconds(500), std::chrono::seconds(5));
  auto r = http_get(url_, timeout, http_, {.accept = "text/plain;version=0.0.4;q=1,*/*;q=0.1"});
  if (!r) {
    if (grace_.forgive(r.error())) return std::vector<Reading>{};  // not listening yet
    return make_error("metrics: " + r.message());
  }
  grace_.succeeded();
  if (r->status < 200 || r->status > 299)
    return make_error("metrics: " + url_.str() + ": HTTP " + std::to_string(r->status));
  auto ex = parse_prometheus(r->body);
  if (!ex) return ex.error();
  return readings(*ex);
}

}  // namespace soak
