// The SUT's limits for one run: its own memory cgroup (--memory-limit),
// RLIMIT_NOFILE (--nofile), the OOM watch, and the limits an endurance
// budget counts down to (DESIGN.md section 9). The run loop holds one
// SutLimits and calls it at a few points; the mechanics are harness/cgroup.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/endurance.h"
#include "common/result.h"
#include "harness/cgroup.h"
#include "harness/config.h"
#include "probes/probe.h"

namespace soak {

/// Go's GOMEMLIMIT syntax: an integer with an optional unit B, KiB, MiB,
/// GiB or TiB; "off" (and an absent value) is no limit.
Result<std::optional<double>> parse_gomemlimit(std::string_view text);

/// The limits a run's series count down to, known before launch: the memory
/// limit, the SUT's GOMEMLIMIT (its env, else soak's), its RLIMIT_NOFILE
/// (--nofile, else what it inherits).
SeriesLimits known_limits(const RunConfig& config);

/// Before launch (validate_run_config): --memory-limit and --nofile need a
/// SUT command; a memory cgroup must be possible here (else why not and
/// what would make it work); --nofile within what soak may set; every
/// endurance budget has a known limit.
Status validate_sut_limits(const RunConfig& config);

class SutLimits {
 public:
  /// Before launch: creates the SUT's memory cgroup when asked, and
  /// snapshots the OOM counters.
  static Result<std::unique_ptr<SutLimits>> prepare(const RunConfig& config);
  /// Kills whatever is left in the cgroup and removes it.
  ~SutLimits();

  /// For LaunchSpec: enter the cgroup and set RLIMIT_NOFILE before exec.
  ChildConfinement child() const;
  /// The "cgroup" probe (cgroup_memory_bytes) when there is a cgroup.
  std::vector<std::unique_ptr<Probe>> probes(Duration interval) const;
  /// run.json fields: "limits" {memory_bytes, gomemlimit_bytes, nofile} and
  /// "cgroup" {path, version} when there is one.
  nlohmann::json run_json_fields() const;
  /// Run loop: an OOM kill inside the SUT's cgroup (a process of its tree,
  /// not necessarily the one soak launched).
  bool oom_in_tree() const;
  /// The SUT ended: was it the OOM killer? (see OomWatch)
  bool oom_killed(bool killed_by_sigkill) const;
  std::optional<double> memory_limit_bytes() const { return limits_.memory_bytes; }
  /// The SUT's cgroup (null without --memory-limit): Cgroup::kill_all()
  /// stops the whole tree, wherever its processes went.
  std::shared_ptr<Cgroup> cgroup() const { return cgroup_; }
  /// Removes the cgroup now (after the SUT's tree is gone); returns the
  /// fields of the "cgroup_removed" event, or null without a cgroup.
  nlohmann::json release();

 private:
  SutLimits() = default;
  std::shared_ptr<Cgroup> cgroup_;
  std::optional<rlim_t> nofile_;
  SeriesLimits limits_;
  std::unique_ptr<OomWatch> oom_;
};

}  // namespace soak
