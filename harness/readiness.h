// Readiness checks of the SUT (--ready): a TCP connect, an HTTP(S) GET that
// answers 2xx, or a log line matching a regex (fed by the log capture).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <re2/re2.h>

#include "common/result.h"
#include "net/http_client.h"
#include "common/units.h"
#include "harness/config.h"

namespace soak {

/// True when a TCP connection to host:port succeeds within `timeout`.
bool tcp_ready(const std::string& host, int port, Duration timeout);


/// One readiness condition, polled by the run loop. feed_line() is called on
/// the log-capture thread; poll() on the run loop's thread.
class ReadinessCheck {
 public:
  /// `http`: headers and TLS settings of an http(s):// check.
  explicit ReadinessCheck(std::optional<ReadySpec> spec, HttpSettings http = {});
  /// Non-blocking-ish: at most ~timeout of the probe itself.
  bool poll(Duration timeout = std::chrono::milliseconds(500));
  void feed_line(std::string_view line);
  /// The URL workloads get as {url} when the readiness check is HTTP.
  std::optional<std::string> url() const;
  /// What was waited for, for messages ("tcp:127.0.0.1:8080").
  std::string describe() const;
  /// Set when an http(s):// check failed in a way retrying cannot mend (the
  /// server's certificate was refused): the error, naming the URL.
  std::optional<std::string> refused() const { return refused_; }
  /// Why the last http(s):// check did not pass ("HTTP 401", or the error
  /// naming the URL), for the not-ready message; empty before any or for
  /// tcp:/log: checks. An attempt given less than kShortAttempt (the last
  /// one before the ready timeout) that fails keeps an earlier reason.
  const std::string& last_failure() const { return last_failure_; }
  static constexpr Duration kShortAttempt = std::chrono::milliseconds(100);

 private:
  std::optional<ReadySpec> spec_;
  // RE2: linear time and no recursion, so a 64 KiB line from the SUT can
  // neither hang the log capture nor overflow its stack (std::regex can).
  std::unique_ptr<re2::RE2> regex_;
  std::optional<Url> http_;
  HttpSettings settings_;
  std::optional<std::string> refused_;  // poll()'s thread only
  std::string last_failure_;            // poll()'s thread only
  std::atomic<bool> log_matched_{false};
};

}  // namespace soak
