// A small synchronous HTTP/1.1 GET client for probes: loopback debug and
// metrics endpoints, one request per connection, a hard deadline. Raw
// sockets with poll(), so a stuck SUT can never block the sampler thread
// longer than the timeout.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

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

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;  // chunked transfer decoded
};

/// GET `url` within `timeout` (connect + send + receive). Errors name the
/// URL and the reason (refused, timed out, malformed response, body larger
/// than `max_body`). A non-2xx status is not an error here: callers decide.
Result<HttpResponse> http_get(const ProbeUrl& url, Duration timeout,
                              std::string_view accept = "*/*",
                              size_t max_body = 64u << 20);
Result<HttpResponse> http_get(std::string_view url, Duration timeout);

}  // namespace soak
