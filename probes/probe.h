// Probes: each samples one kind of resource of the running SUT.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

#include "common/result.h"
#include "common/units.h"

namespace soak {

/// One number for a named series (DESIGN.md section 5).
struct Reading {
  std::string series;
  double value = 0;
  /// Run time (s since launch) when the value was true, for push-style
  /// sources (a gctrace line); empty = the moment of sampling.
  std::optional<double> t;
};

/// What a probe looks at.
struct Target {
  pid_t pid = -1;  // the launched SUT command (may be a wrapper; probes walk its tree)
};

/// Samples one kind of resource of the running SUT.
class Probe {
 public:
  virtual ~Probe() = default;
  /// Stable id used in flags, JSON, events and budgets, e.g. "proc".
  virtual std::string_view name() const = 0;
  /// How often sample() is called. Probes that cost the SUT (pprof stops the
  /// world briefly, smaps_rollup walks every mapping) declare a slower one.
  virtual Duration interval() const = 0;
  /// Series this probe may produce; used to validate budgets before launch.
  virtual std::vector<std::string> series() const = 0;
  /// Called on the sampler thread at interval(). Must return well within
  /// that interval; a failure is recorded as a probe_error event and the run
  /// goes on.
  virtual Result<std::vector<Reading>> sample(const Target& target) = 0;
};

/// Optional ability: sees every line the SUT writes (stdout and stderr), on
/// the log-capture thread. Used by gctrace. Must be cheap and thread-safe
/// with respect to sample().
class LogObserver {
 public:
  virtual ~LogObserver() = default;
  /// `t` is seconds since launch when the line was read.
  virtual void on_line(std::string_view line, bool is_stderr, double t) = 0;
};

/// Optional ability: captures diagnostic profiles (Go) into `dir` under a
/// label ("warmup_end", "end", "early_fail"). Called on the sampler thread.
class ProfileCapturer {
 public:
  virtual ~ProfileCapturer() = default;
  virtual Status capture(const std::filesystem::path& dir, std::string_view label) = 0;
};

}  // namespace soak
