// The "gctrace" probe (--gctrace): reads GODEBUG=gctrace=1 lines from the
// SUT's stderr as the harness feeds them (LogObserver) and yields one set of
// readings per GC, stamped with the time the line was read.
#pragma once

#include <deque>
#include <mutex>

#include "probes/gctrace.h"
#include "probes/probe.h"

namespace soak {

class GcTraceProbe : public Probe, public LogObserver {
 public:
  /// `emit_cycles` false when another probe (go, from NumGC) is the source
  /// of go_gc_cycles: one producer per series keeps its times in order.
  explicit GcTraceProbe(Duration interval, size_t max_pending = 100000, bool emit_cycles = true);

  std::string_view name() const override { return "gctrace"; }
  Duration interval() const override { return interval_; }
  /// go_heap_live_bytes (live heap after GC, MiB -> bytes), go_gc_cycles
  /// (unless emit_cycles is false), go_gc_cpu_fraction.
  std::vector<std::string> series() const override;
  /// Drains the readings of the GCs seen since the last call (possibly none).
  Result<std::vector<Reading>> sample(const Target& target) override;
  /// Only stderr lines are parsed (the Go runtime writes gctrace there).
  void on_line(std::string_view line, bool is_stderr, double t) override;

 private:
  Duration interval_;
  size_t max_pending_;
  bool emit_cycles_;
  std::mutex mu_;
  GcTraceScanner scanner_;
  std::deque<Reading> pending_;
  size_t dropped_ = 0;  // readings dropped because nobody drained them
};

}  // namespace soak
