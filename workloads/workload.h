// Workloads drive load at the SUT while it is sampled.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/event_sink.h"
#include "common/result.h"
#include "common/summary.h"
#include "common/units.h"
#include "net/http_client.h"
#include "probes/probe.h"

namespace soak {

/// A workload as configured: `--workload http://...` / `cmd:...` or a config
/// `workloads[]` entry.
struct WorkloadSpec {
  enum class Kind { kHttp, kCmd } kind = Kind::kCmd;
  std::string cmd;        // kCmd: the command line (placeholders unexpanded)
  nlohmann::json http;    // kHttp: the config object ({"url":..., "rate":..., ...})
  std::string origin;     // "--workload" or "workloads[1]" for messages
  HttpSettings client;    // kHttp: the run's --header, --token-file, --insecure
};

/// What a workload gets when it starts.
struct WorkloadContext {
  std::optional<std::string> url;    // ready URL when known ({url})
  Duration duration{};               // remaining run length ({duration_s})
  std::filesystem::path log_path;    // workload.log in the run directory
  double log_limit_bytes = 64.0 * 1024 * 1024;  // cap of log_path (--log-limit)
  EventSink* events = nullptr;       // for restarts, give-up, errors
  std::filesystem::path cwd;         // the SUT's working directory
};

class Workload {
 public:
  virtual ~Workload() = default;
  /// Stable id: "http", "cmd".
  virtual std::string_view name() const = 0;
  /// Starts the load (after readiness). Returns quickly; the load runs on its
  /// own threads or processes.
  virtual Status start(const WorkloadContext& context) = 0;
  /// Stops the load and waits for it (bounded: at most ~2 s). Idempotent.
  virtual void stop() = 0;
  /// Set once the workload has given up (e.g. the command keeps dying at
  /// once); the run then ends with that error. Thread-safe.
  virtual std::optional<Error> failure() const = 0;
  /// Contribution to summary.json's workload block. Thread-safe.
  virtual WorkloadSummary summary() const = 0;
};

/// Optional ability: per-interval series (requests, errors, latency_*).
/// take_readings() is called on the sampler thread at the base interval and
/// returns the figures since the previous call (counters: cumulative).
class ReadingSource {
 public:
  virtual ~ReadingSource() = default;
  virtual std::vector<Reading> take_readings() = 0;
  /// Series it produces (budget validation before launch).
  virtual std::vector<std::string> series() const = 0;
};

}  // namespace soak
