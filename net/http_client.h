// The one HTTP client of soak for single requests: the probes (--metrics,
// --go), http:// readiness and the Prometheus API of `soak fleet`. Beast
// frames the messages (chunked bodies included); Asio SSL with OpenSSL
// speaks https. A hard deadline covers the whole exchange (resolve aside:
// addresses are used as they are and names resolve through the system), so a
// stuck endpoint never blocks the caller's thread for longer.
//
// The built-in load (workloads/http_engine) keeps its own connection pool
// for throughput but shares the URL type, the TLS set-up (net/tls.h) and the
// settings below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/units.h"
#include "net/url.h"

namespace soak {

using HttpHeader = std::pair<std::string, std::string>;
using HttpHeaders = std::vector<HttpHeader>;

/// What every request of a run carries: --header, the bearer token of
/// --token-file (as an Authorization header) and --insecure.
struct HttpSettings {
  /// Sent with every request, in this order, after Host and User-Agent.
  std::vector<HttpHeader> headers;
  /// https without certificate or host name checks.
  bool insecure = false;
};

/// Checks a header given by the user: a token name (RFC 9110) and a value
/// without CR, LF or NUL. The error is the reason only.
Status check_header(std::string_view name, std::string_view value);
/// Header names compare without regard to case (RFC 9110).
bool same_header_name(std::string_view a, std::string_view b);
/// "Name: value" (as --header takes it) into a checked header.
Result<HttpHeader> parse_header(std::string_view text);

struct HttpResponse {
  int status = 0;
  std::vector<HttpHeader> headers;  // as received, in order
  std::string body;                 // transfer coding (chunked) removed

  /// The first header of that name (any case), or empty.
  std::string_view header(std::string_view name) const;
};

struct HttpGetOptions {
  std::string accept = "*/*";
  size_t max_body = size_t{64} << 20;  // a larger body is an error
};

/// GET `url` within `timeout` (connect, TLS handshake, send and receive all
/// count). Blocks the calling thread for at most about `timeout` (plus name
/// resolution for a host name). Any thread; no shared state but the TLS
/// context. Errors start with the URL and say what failed:
///   "https://h/x: connect: Connection refused"
///   "http://h/x: timed out waiting for the response (after 500ms)"
///   "https://h/x: TLS handshake: certificate verify failed: self-signed certificate"
/// A non-2xx status is not an error here: callers decide.
Result<HttpResponse> http_get(const Url& url, Duration timeout, const HttpSettings& settings = {},
                              const HttpGetOptions& options = {});
/// The same from text (parse_url); a malformed URL is an error naming it.
Result<HttpResponse> http_get(std::string_view url, Duration timeout, const HttpSettings& settings = {},
                              const HttpGetOptions& options = {});

/// True when `e` (from http_get or tcp_check) says no connection could be
/// made (refused, unreachable, connect timeout): nothing listens there (yet).
bool is_connect_error(const Error& e);
/// True when `e` (from http_get) says the server's TLS certificate was
/// refused (untrusted, expired, wrong name): retrying cannot help.
bool is_certificate_error(const Error& e);

/// Connects to host:port within `timeout` (every resolved address in turn)
/// and closes again: the tcp: readiness check.
Status tcp_check(const std::string& host, uint16_t port, Duration timeout);

}  // namespace soak
