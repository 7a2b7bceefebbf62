// A probe's startup grace: the sampler starts with the SUT, before it
// listens, so connection errors are forgiven until the first success.
#pragma once

#include <chrono>
#include <optional>

#include "common/result.h"
#include "common/units.h"

namespace soak {

/// Connection errors (net/http_client.h: is_connect_error) are forgiven
/// until the first success, for at most `grace` after the first attempt.
/// Sampler thread only.
class ConnectGrace {
 public:
  explicit ConnectGrace(Duration grace = std::chrono::seconds(60)) : grace_(grace) {}
  /// True when this error should be swallowed (no readings, no probe_error).
  bool forgive(const Error& e);
  void succeeded() { ok_ = true; }

 private:
  Duration grace_;
  bool ok_ = false;
  std::optional<std::chrono::steady_clock::time_point> first_;
};

}  // namespace soak
