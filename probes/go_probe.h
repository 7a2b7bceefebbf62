// The "go" probe (--go URL): goroutines from /debug/pprof/goroutine?debug=1,
// MemStats from /debug/vars (or the heap profile footer when the SUT has no
// expvar), its own cost as probe_go_latency_ms; captures goroutine and heap
// profiles for the culprit finder.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "net/http_client.h"
#include "probes/connect_grace.h"
#include "probes/probe.h"

namespace soak {

class GoProbe : public Probe, public ProfileCapturer {
 public:
  /// At the default interval the probe keeps below 1/kDutyFactor = 1 % of the
  /// time (a SUT with 100k goroutines makes the goroutine profile that much
  /// dearer): a token bucket earns 1 % of the wall time elapsed, holds at
  /// most kDutyBurst, and each sample spends its own latency; while the
  /// bucket is in debt samples are skipped. So over any window of T the
  /// probe's wall time is at most T/kDutyFactor + kDutyBurst + one sample,
  /// and a single dear sample (a forced GC) does not cost the next plain
  /// sample. An interval the user set (--go-interval) is kept exactly
  /// (make_go_probes).
  static constexpr int kDutyFactor = 100;
  static constexpr Duration kDutyBurst = std::chrono::milliseconds(100);

  /// The default interval aims at this many samples over the run.
  static constexpr int kTargetSamples = 40;
  /// The default forced-GC live-heap reading aims at this many over the run.
  static constexpr int kTargetLiveHeapReadings = 20;

  /// `base` is the URL the debug paths are appended to ("http://127.0.0.1:8080").
  /// `duty_factor`: see kDutyFactor (0 turns the limit off: benchmarks).
  /// `live_heap_every`: at most this often, a sample reads the heap
  /// profile's MemStats footer with `?gc=1` instead of expvar: the runtime
  /// runs a full GC first, so its HeapAlloc is the live heap at that moment
  /// (zero: never). `live_heap_series`: record that reading as
  /// go_heap_live_bytes (false when gctrace produces the series: it reads the
  /// forced GC's own trace line).
  /// `http`: headers and TLS settings of every request.
  GoProbe(Url base, Duration interval, int duty_factor = kDutyFactor, Duration live_heap_every = {},
          bool live_heap_series = true, HttpSettings http = {});

  std::string_view name() const override { return "go"; }
  Duration interval() const override { return interval_; }
  std::vector<std::string> series() const override;
  /// Two GETs (goroutine profile, expvar or heap footer). An unreachable
  /// endpoint or a body that does not parse is an error naming the URL.
  Result<std::vector<Reading>> sample(const Target& target) override;
  /// Writes dir/<label>-goroutine.txt and dir/<label>-heap.txt (debug=1 text).
  Status capture(const std::filesystem::path& dir, std::string_view label) override;

  /// Default interval, adapted to the run: run_duration / kTargetSamples,
  /// at least --interval, at most 5 s (pprof and ReadMemStats stop the world
  /// briefly: a long run keeps the cheap 5 s; a 40 s run gets a sample a
  /// second). An unknown duration (zero) gives max(base_interval, 5 s).
  /// The duty-cycle limit (kDutyFactor) applies on top. --go-interval /
  /// probes.go_interval set it instead.
  static Duration default_interval(Duration base_interval, Duration run_duration = {});
  /// Default spacing of the forced-GC live-heap readings: run_duration /
  /// kTargetLiveHeapReadings, at least the probe's interval and 5 s (a forced
  /// GC costs ~10x a plain sample: in a short run they would take most of
  /// the 1 % duty cycle); zero (off) when the duration is unknown.
  static Duration default_live_heap_every(Duration probe_interval, Duration run_duration);

 private:
  Url url(std::string_view path) const;
  Duration timeout() const;

  Url base_;
  HttpSettings http_;
  Duration interval_;
  // Set after /debug/vars answered 404 once: read the heap footer instead.
  std::atomic<bool> no_expvar_{false};
  ConnectGrace grace_;
  int duty_factor_;
  Duration live_heap_every_;
  bool live_heap_series_;
  // Duty-cycle token bucket: credit in wall time, earned since last_credit_.
  Duration credit_ = kDutyBurst;
  std::chrono::steady_clock::time_point last_credit_{};
  std::chrono::steady_clock::time_point next_live_{};   // next forced-GC reading
};

}  // namespace soak
