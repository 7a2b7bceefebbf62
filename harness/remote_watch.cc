#include "harness/remote_watch.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace soak {

namespace {

// Series that never decrease while one process lives.
bool is_process_counter(std::string_view s) {
  return s == "go_gc_cycles" || s == "prom:process_cpu_seconds_total" || s == "prom:go_gc_duration_seconds_count";
}

std::string format_value(double v) { return fmt::format("{:.15g}", v); }

}  // namespace

void RemoteWatch::start(TimePoint now) {
  std::lock_guard lock(mu_);
  started_ = now;
}

void RemoteWatch::observe(TimePoint now, const std::vector<Reading>& readings) {
  std::lock_guard lock(mu_);
  last_alive_ = now;
  if (lost_) return;
  for (const auto& r : readings) {
    if (r.series == "prom:process_start_time_seconds") {
      // client_golang derives it from /proc/stat btime, which flips by a
      // second (client_golang#289): more than that is a new process.
      if (start_time_ && std::fabs(r.value - *start_time_) > kStartTimeJitterS) {
        lost_ = fmt::format("the SUT restarted: process_start_time_seconds changed from {} to {}",
                            format_value(*start_time_), format_value(r.value));
        return;
      }
      if (!start_time_) start_time_ = r.value;
    } else if (is_process_counter(r.series)) {
      auto it = std::find_if(counters_.begin(), counters_.end(), [&](const auto& c) { return c.first == r.series; });
      if (it == counters_.end()) {
        counters_.emplace_back(r.series, r.value);
      } else {
        if (r.value < it->second) {
          lost_ = fmt::format("the SUT restarted: counter {} went back from {} to {}", r.series,
                              format_value(it->second), format_value(r.value));
          return;
        }
        it->second = r.value;
      }
    }
  }
}

std::optional<std::string> RemoteWatch::lost(TimePoint now) {
  std::lock_guard lock(mu_);
  if (lost_ || !started_) return lost_;
  TimePoint since = last_alive_ ? std::max(*last_alive_, *started_) : *started_;
  if (now - since > allowance_)
    lost_ = fmt::format("the SUT stopped answering: every probe sample failed for {} (allowance {}, --ready-timeout)",
                        format_duration(now - since), format_duration(allowance_));
  return lost_;
}

}  // namespace soak
