// The load engine behind the built-in HTTP workload: an open-model HTTP/1.1
// client on Boost.Asio/Beast running on its own thread, over TCP or TLS
// (https://, Asio SSL with OpenSSL; net/tls.h sets up verification).
//
// Connections are kept alive and reused; over TLS that means one handshake
// per connection, and a reconnect (churn_every, a server closing idle
// connections) resumes the last TLS session (a ticket) instead of a full
// handshake.
//
// Requests are due on a fixed timetable (t0 + i / rate) whether or not the
// earlier ones finished, and latency is measured from that scheduled time, so
// a stalled server shows up in the percentiles instead of silently lowering
// the rate (coordinated omission, as corrected by wrk2). Due requests wait in
// a bounded queue for a free keep-alive connection; beyond the bound they are
// dropped and counted. Errors are counted by kind and never stop the load.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "common/result.h"
#include "common/units.h"
#include "workloads/http_config.h"
#include "workloads/http_histogram.h"

namespace soak {

enum class HttpErrorKind : int {
  kConnect,           // connection refused / unreachable / connect timed out
  kTls,               // the TLS handshake failed (certificate refused, not TLS)
  kTimeout,           // no response within request_timeout
  kWrite,             // the request could not be sent
  kRead,              // the connection failed or closed before the response ended
  kParse,             // the response is not valid HTTP/1.x
  kStatus4xx,         // a 4xx where another status was expected
  kStatus5xx,         // a 5xx where another status was expected
  kUnexpectedStatus,  // any other status not expected
  kCount
};
/// "connect", "tls", "timeout", "write", "read", "parse", "status_4xx", "status_5xx", "unexpected_status".
std::string_view to_string(HttpErrorKind kind);

/// Knobs that do not come from the config (benchmarks and tests).
struct HttpLoadOptions {
  /// Closed loop: every connection sends its next request as soon as the
  /// previous one ends (maximum throughput; `rate` is ignored and latency is
  /// measured from the send).
  bool closed_loop = false;
  /// Stop scheduling after this many requests (0 = until stop()).
  uint64_t max_requests = 0;
};

/// Cumulative figures since start().
struct HttpLoadCounters {
  uint64_t scheduled = 0;  // requests that came due (open model) or were started (closed loop)
  uint64_t requests = 0;   // responses received in full, whatever the status
  uint64_t errors = 0;     // failed requests, by kind below (status mismatches included)
  std::array<uint64_t, static_cast<size_t>(HttpErrorKind::kCount)> errors_by_kind{};
  uint64_t dropped = 0;    // due while every connection was busy and the queue full
  uint64_t aborted = 0;    // closed before the response on purpose (abort_ratio)
  uint64_t timed_out = 0;  // given up after the short timeout on purpose (timeout_ratio)
  uint64_t connections = 0;  // TCP connections opened
  uint64_t tls_handshakes = 0;  // https: TLS handshakes completed
  uint64_t tls_resumed = 0;     // of them, resumed from the session of an earlier connection (no full handshake)
  uint64_t settled = 0;    // scheduled requests that are over (any outcome)
  uint64_t retries = 0;    // resent once after a reused connection turned out closed
};

class HttpLoadEngine {
 public:
  explicit HttpLoadEngine(HttpLoadConfig config, HttpLoadOptions options = {});
  ~HttpLoadEngine();  // stops
  HttpLoadEngine(const HttpLoadEngine&) = delete;
  HttpLoadEngine& operator=(const HttpLoadEngine&) = delete;

  /// Resolves the host and starts the load thread; the first request is due
  /// at once. Fails when the host cannot be resolved. Call once.
  Status start();
  /// Stops the load and joins the thread (in-flight requests are abandoned
  /// and not counted). Bounded; idempotent; any thread.
  void stop();
  /// The load thread died (an exception escaped Asio). Thread-safe.
  std::optional<Error> failure() const;

  /// Thread-safe snapshot.
  HttpLoadCounters counters() const;
  /// With max_requests: every scheduled request has settled. Thread-safe.
  bool finished() const;
  /// Latencies since the previous call (then cleared). Thread-safe.
  LatencyHistogram take_interval_latency();
  /// The first TLS handshake failure in words (e.g. "certificate verify
  /// failed: self-signed certificate"), if any. Thread-safe.
  std::optional<std::string> tls_error() const;
  /// Latencies since start(). Thread-safe.
  LatencyHistogram run_latency() const;
  /// Time from start() to now, or to stop() once stopped.
  Duration elapsed() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace soak
