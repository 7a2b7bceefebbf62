// The "go" probe (--go URL): goroutines from /debug/pprof/goroutine?debug=1,
// MemStats from /debug/vars (or the heap profile footer when the SUT has no
// expvar), its own cost as probe_go_latency_ms; captures goroutine and heap
// profiles for the culprit finder.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "probes/http_get.h"
#include "probes/probe.h"

namespace soak {

class GoProbe : public Probe, public ProfileCapturer {
 public:
  /// At the default interval, a sample that took L is followed by none for
  /// kDutyFactor * L: the probe keeps below 1 % of the time (a SUT with 100k
  /// goroutines makes the goroutine profile that much dearer). An interval
  /// the user set (--go-interval) is kept exactly (make_go_probes).
  static constexpr int kDutyFactor = 100;

  /// `base` is the URL the debug paths are appended to ("http://127.0.0.1:8080").
  /// `duty_factor`: see kDutyFactor (0 turns the limit off: benchmarks).
  GoProbe(ProbeUrl base, Duration interval, int duty_factor = kDutyFactor);

  std::string_view name() const override { return "go"; }
  Duration interval() const override { return interval_; }
  std::vector<std::string> series() const override;
  /// Two GETs (goroutine profile, expvar or heap footer). An unreachable
  /// endpoint or a body that does not parse is an error naming the URL.
  Result<std::vector<Reading>> sample(const Target& target) override;
  /// Writes dir/<label>-goroutine.txt and dir/<label>-heap.txt (debug=1 text).
  Status capture(const std::filesystem::path& dir, std::string_view label) override;

  /// Default interval: pprof and ReadMemStats stop the world briefly, so not
  /// faster than once every 5 s whatever --interval says (see docs/go.md);
  /// --go-interval / probes.go_interval set it.
  static Duration default_interval(Duration base_interval);

 private:
  ProbeUrl url(std::string_view path) const;
  Duration timeout() const;

  ProbeUrl base_;
  Duration interval_;
  // Set after /debug/vars answered 404 once: read the heap footer instead.
  std::atomic<bool> no_expvar_{false};
  ConnectGrace grace_;
  int duty_factor_;
  std::chrono::steady_clock::time_point resume_at_{};  // duty-cycle limit
};

}  // namespace soak
