#include "probes/prometheus_probe.h"

#include <algorithm>
#include <cmath>

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

MetricsProbe::MetricsProbe(Url url, Duration interval, std::set<std::string> direct, HttpSettings http)
    : url_(std::move(url)), http_(std::move(http)), interval_(interval), direct_(std::move(direct)) {}

std::vector<std::string> MetricsProbe::series() const {
  std::vector<std::string> s;
  for (auto [from, to] : prom_canonical_map())
    if (!direct_.count(std::string(to))) s.emplace_back(to);
  s.emplace_back("prom:*");
  return s;
}

std::vector<Reading> MetricsProbe::readings(const PromExposition& ex) const {
  std::vector<Reading> out;
  for (const auto& f : ex.families) {
    for (const auto& s : f.samples) {
      // JSON has no NaN or Inf: such a sample is "no value" this time.
      if (!std::isfinite(s.value) || !prom_sample_recorded(f, s)) continue;
      out.push_back({prom_series_name(s), s.value, {}});
      if (!s.labels.empty()) continue;
      for (auto [from, to] : prom_canonical_map())
        if (s.name == from && !direct_.count(std::string(to))) out.push_back({std::string(to), s.value, {}});
    }
  }
  return out;
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
