// Watches a SUT that soak did not launch (no command: a service observed
// through --metrics/--go, possibly on another machine). There is no waitpid
// for it, so it counts as lost when
//   - every probe sample has failed for longer than an allowance, or
//   - it restarted: its process_start_time_seconds changed by more than the
//     1 s jitter client_golang's value has (it derives from /proc/stat btime),
//     or a counter that only grows within one process (NumGC, CPU seconds)
//     went back.
// A restart is what an orchestrator does after an OOM kill: without this
// check a soak would judge the new process's fresh numbers and pass.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/units.h"
#include "probes/probe.h"

namespace soak {

class RemoteWatch {
 public:
  /// `allowance`: how long the SUT may answer no probe before it is lost.
  explicit RemoteWatch(Duration allowance) : allowance_(allowance) {}

  /// Starts the silence clock (at readiness). Before it, lost() says nothing.
  void start(TimePoint now);
  /// A remote probe sample that succeeded (sampler thread): the SUT answered.
  /// The batch may be empty (the go probe skipping a sample to keep its duty
  /// cycle). Failed samples are not observed: they are the silence.
  void observe(TimePoint now, const std::vector<Reading>& readings);
  /// Why the SUT counts as lost at `now`, or nothing. Once lost, stays lost.
  std::optional<std::string> lost(TimePoint now);

  /// How far process_start_time_seconds may move without being a restart.
  static constexpr double kStartTimeJitterS = 1.5;

 private:
  Duration allowance_;
  std::mutex mu_;
  std::optional<TimePoint> started_;
  std::optional<TimePoint> last_alive_;
  std::optional<double> start_time_;          // prom:process_start_time_seconds
  std::vector<std::pair<std::string, double>> counters_;  // last value of each counter
  std::optional<std::string> lost_;
};

}  // namespace soak
