#include "probes/gctrace_probe.h"

namespace soak {

GcTraceProbe::GcTraceProbe(Duration interval, size_t max_pending, bool emit_cycles)
    : interval_(interval), max_pending_(max_pending), emit_cycles_(emit_cycles) {}

std::vector<std::string> GcTraceProbe::series() const {
  if (!emit_cycles_) return {"go_heap_live_bytes", "go_gc_cpu_fraction"};
  return {"go_heap_live_bytes", "go_gc_cycles", "go_gc_cpu_fraction"};
}

void GcTraceProbe::on_line(std::string_view line, bool is_stderr, double t) {
  if (!is_stderr) return;
  // Cheap reject before taking the lock: most lines are not gctrace.
  if (line.find("gc ") == std::string_view::npos && line.find(" MB") == std::string_view::npos) return;
  std::lock_guard lock(mu_);
  auto g = scanner_.feed(line);
  if (!g) return;
  // gctrace's MB are MiB (the runtime shifts bytes right by 20).
  pending_.push_back({"go_heap_live_bytes", g->heap_live_mib * 1048576.0, t});
  if (emit_cycles_) pending_.push_back({"go_gc_cycles", static_cast<double>(g->cycle), t});
  pending_.push_back({"go_gc_cpu_fraction", g->cpu_percent / 100.0, t});
  while (pending_.size() > max_pending_) {
    pending_.pop_front();
    ++dropped_;
  }
}

Result<std::vector<Reading>> GcTraceProbe::sample(const Target&) {
  std::lock_guard lock(mu_);
  std::vector<Reading> out(std::make_move_iterator(pending_.begin()),
                           std::make_move_iterator(pending_.end()));
  pending_.clear();
  if (dropped_ > 0) {
    auto n = dropped_;
    dropped_ = 0;
    return make_error("gctrace: " + std::to_string(n) +
                      " readings dropped (sampler fell behind); " + std::to_string(out.size()) +
                      " kept were lost with this error");
  }
  return out;
}

}  // namespace soak
