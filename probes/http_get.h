// A small synchronous HTTP/1.1 GET client for probes: loopback debug and
// metrics endpoints, one request per connection, a hard deadline. Raw
// sockets with poll(), so a stuck SUT can never block the sampler thread
// longer than the timeout.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/posix.h"
#include "common/result.h"
#include "common/units.h"

namespace soak {

struct ProbeUrl {
  std::string host;  // "127.0.0.1" or a name
  int port = 80;
  std::string path;  // "/debug/vars?x=1", "/" when empty
};

/// http://HOST[:PORT][/PATH]; errors say what is wrong with the text.
Result<ProbeUrl> parse_probe_url(std::string_view url);

/// Extra request headers, name and value ("X-Scope-OrgID", "t1"). Neither
/// may hold CR or LF (callers validate user input).
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;  // chunked transfer decoded
};

/// A TCP connection to host:port within `timeout`, trying every address the
/// name resolves to. Errors: "cannot resolve host: ...", "connect: REASON",
/// "connect timed out" (the last address's failure).
Result<Fd> tcp_connect(const std::string& host, int port, Duration timeout);

/// GET `url` within `timeout` (connect + send + receive). Errors name the
/// URL and the reason (refused, timed out, malformed response, body larger
/// than `max_body`). A non-2xx status is not an error here: callers decide.
/// `headers` are sent after the standard ones.
Result<HttpResponse> http_get(const ProbeUrl& url, Duration timeout,
                              std::string_view accept = "*/*",
                              size_t max_body = 64u << 20, const HttpHeaders& headers = {});
Result<HttpResponse> http_get(std::string_view url, Duration timeout);

/// True when `e` (from http_get) says the connection could not be made
/// (refused, unreachable, connect timeout): nothing listens there (yet).
bool is_connect_error(const Error& e);

/// A probe's startup grace: the sampler starts with the SUT, before it
/// listens, so connection errors are forgiven until the first success, for
/// at most `grace` after the first attempt. Sampler thread only.
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
