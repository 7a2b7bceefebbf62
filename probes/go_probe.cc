#include "probes/go_probe.h"

#include <algorithm>
#include <system_error>

#include "common/posix.h"
#include "probes/expvar.h"
#include "probes/pprof.h"

namespace soak {
namespace {

using Clock = std::chrono::steady_clock;

// MemStats fields recorded beyond the canonical ones, under client_golang's
// names (without its prom: prefix).
constexpr std::pair<const char*, const char*> kExtraMemStats[] = {
    {"HeapInuse", "go_memstats_heap_inuse_bytes"},
    {"HeapObjects", "go_memstats_heap_objects"},
    {"Sys", "go_memstats_sys_bytes"},
    {"NextGC", "go_memstats_next_gc_bytes"},
    {"StackInuse", "go_memstats_stack_inuse_bytes"},
};

void add_memstats(const std::map<std::string, double>& ms, std::vector<Reading>& out) {
  if (auto it = ms.find("HeapAlloc"); it != ms.end()) out.push_back({"go_heap_alloc_bytes", it->second, {}});
  if (auto it = ms.find("NumGC"); it != ms.end()) out.push_back({"go_gc_cycles", it->second, {}});
  for (auto [field, series] : kExtraMemStats)
    if (auto it = ms.find(field); it != ms.end()) out.push_back({series, it->second, {}});
}

}  // namespace

GoProbe::GoProbe(Url base, Duration interval, int duty_factor, Duration live_heap_every,
                 bool live_heap_series, HttpSettings http)
    : base_(std::move(base)),
      http_(std::move(http)),
      interval_(interval),
      duty_factor_(duty_factor),
      live_heap_every_(live_heap_every),
      live_heap_series_(live_heap_series) {
}

Duration GoProbe::default_interval(Duration base_interval, Duration run_duration) {
  const Duration cap = std::chrono::seconds(5);
  if (run_duration <= Duration::zero()) return std::max(base_interval, cap);
  return std::max(base_interval, std::min(cap, run_duration / kTargetSamples));
}

Duration GoProbe::default_live_heap_every(Duration probe_interval, Duration run_duration) {
  if (run_duration <= Duration::zero()) return Duration::zero();
  return std::max({probe_interval, Duration(std::chrono::seconds(5)), run_duration / kTargetLiveHeapReadings});
}

std::vector<std::string> GoProbe::series() const {
  std::vector<std::string> s = {"goroutines", "go_heap_alloc_bytes", "go_gc_cycles",
                                "probe_go_latency_ms"};
  for (auto [field, series] : kExtraMemStats) s.push_back(series);
  if (live_heap_every_ > Duration::zero() && live_heap_series_) s.push_back("go_heap_live_bytes");
  return s;
}

Url GoProbe::url(std::string_view path) const { return base_.with_path(path); }

Duration GoProbe::timeout() const {
  // Within the interval, but a loaded SUT gets at least half a second.
  return std::clamp<Duration>(interval_ / 2, std::chrono::milliseconds(500), std::chrono::seconds(5));
}

Result<std::vector<Reading>> GoProbe::sample(const Target&) {
  const auto start = Clock::now();
  std::vector<Reading> out;
  if (duty_factor_ > 0) {
    if (last_credit_ != Clock::time_point{})
      credit_ = std::min<Duration>(kDutyBurst, credit_ + (start - last_credit_) / duty_factor_);
    last_credit_ = start;
    if (credit_ < Duration::zero()) return out;  // in debt: skip (duty cycle)
  }
  auto g = http_get(url("/debug/pprof/goroutine?debug=1"), timeout(), http_);
  if (!g) {
    if (grace_.forgive(g.error())) return out;  // the SUT is not listening yet
    return make_error("go: " + g.message());
  }
  grace_.succeeded();
  if (g->status != 200)
    return make_error("go: " + url("/debug/pprof/goroutine?debug=1").str() + ": HTTP " + std::to_string(g->status) +
                      " (does the SUT import net/http/pprof?)");
  auto prof = parse_goroutine_profile(g->body);
  if (!prof) return make_error("go: " + prof.message());
  out.push_back({"goroutines", static_cast<double>(prof->total), {}});

  // A forced-GC reading replaces expvar in this sample: the heap profile's
  // footer is MemStats read after a full GC, so HeapAlloc is the live heap.
  const bool live = live_heap_every_ > Duration::zero() && start >= next_live_;
  if (!live && !no_expvar_) {
    auto v = http_get(url("/debug/vars"), timeout(), http_);
    if (!v) return make_error("go: " + v.message());
    if (v->status == 404) {
      no_expvar_ = true;
    } else {
      auto d = parse_expvar(v->body);
      if (!d) return make_error("go: " + d.message());
      add_memstats(d->memstats, out);
    }
  }
  if (live || no_expvar_) {
    const char* path = live ? "/debug/pprof/heap?debug=1&gc=1" : "/debug/pprof/heap?debug=1";
    // A forced GC of a large heap takes a while: wait for it.
    auto h = http_get(url(path), live ? std::max<Duration>(timeout(), std::chrono::seconds(5)) : timeout(), http_);
    if (!h) return make_error("go: " + h.message());
    if (h->status != 200) return make_error(std::string("go: ") + path + ": HTTP " + std::to_string(h->status));
    auto hp = parse_heap_profile(h->body);
    if (!hp) return make_error("go: " + hp.message());
    add_memstats(hp->memstats, out);
    if (live) {
      next_live_ = start + live_heap_every_;
      auto it = hp->memstats.find("HeapAlloc");
      if (live_heap_series_ && it != hp->memstats.end()) out.push_back({"go_heap_live_bytes", it->second, {}});
    }
  }
  const auto took = Clock::now() - start;
  if (duty_factor_ > 0) credit_ -= std::chrono::duration_cast<Duration>(took);
  const double ms = std::chrono::duration<double, std::milli>(took).count();
  out.push_back({"probe_go_latency_ms", ms, {}});
  return out;
}

Status GoProbe::capture(const std::filesystem::path& dir, std::string_view label) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error(dir.string() + ": " + ec.message());
  const Duration t = std::chrono::seconds(10);  // rare and worth waiting for
  for (auto [kind, path] : {std::pair{"goroutine", "/debug/pprof/goroutine?debug=1"},
                            std::pair{"heap", "/debug/pprof/heap?debug=1&gc=1"}}) {
    auto r = http_get(url(path), t, http_);
    if (!r) return make_error("go: capture " + std::string(kind) + " profile: " + r.message());
    if (r->status != 200)
      return make_error("go: capture " + std::string(kind) + " profile: HTTP " + std::to_string(r->status));
    SOAK_TRY(write_file_atomic(dir / (std::string(label) + "-" + kind + ".txt"), r->body));
  }
  return Status::Ok();
}

}  // namespace soak
