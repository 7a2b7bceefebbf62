// The one URL type of soak: every http:// and https:// URL the user gives
// (--go, --metrics, http:// readiness, the built-in load, --prometheus) is
// parsed here, by Boost.URL (RFC 3986), once, at the edge.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace soak {

/// An absolute http:// or https:// URL, split into what a client needs.
struct Url {
  bool https = false;
  std::string host;          // a name, an IPv4 address, or an IPv6 address without brackets
  uint16_t port = 80;        // as written, else the scheme's default (80, 443)
  bool default_port = true;  // no port written, or the scheme's default
  std::string target = "/";  // origin-form request target: path and query, never empty

  /// True when `host` is an IP address (v4 or v6) rather than a name.
  bool host_is_ip() const;
  /// The Host header value: "[::1]:8080", "example.com" (the port only when
  /// not the scheme's default).
  std::string authority() const;
  /// "https://example.com/metrics": the URL as messages show it (no fragment).
  std::string str() const;
  /// This URL with `suffix` ("/debug/vars?x=1") appended to its path; the
  /// path's trailing slashes and the base query are dropped first.
  Url with_path(std::string_view suffix) const;
};

/// Parses "http[s]://HOST[:PORT][/PATH][?QUERY][#FRAGMENT]"; IPv6 literals in
/// brackets. Refused: other schemes, relative references, a missing host,
/// port 0 or above 65535, user info ("user@"), IPvFuture hosts, and anything
/// Boost.URL rejects (spaces, an unclosed "["). The fragment is dropped. The
/// error is the reason only; callers prefix the flag or config path and the
/// text: `--go "http://[::1": ...`.
Result<Url> parse_url(std::string_view text);

}  // namespace soak
