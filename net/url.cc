#include "net/url.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <fmt/format.h>

namespace soak {

namespace urls = boost::urls;

bool Url::host_is_ip() const {
  if (host.find(':') != std::string::npos) return true;
  return urls::parse_ipv4_address(host).has_value();
}

std::string Url::authority() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (!default_port) h += fmt::format(":{}", port);
  return h;
}

std::string Url::str() const { return fmt::format("{}://{}{}", https ? "https" : "http", authority(), target); }

Url Url::with_path(std::string_view suffix) const {
  Url u = *this;
  std::string path = u.target.substr(0, u.target.find('?'));
  while (!path.empty() && path.back() == '/') path.pop_back();
  u.target = path + std::string(suffix);
  if (u.target.empty() || u.target[0] != '/') u.target.insert(0, "/");
  return u;
}

Result<Url> parse_url(std::string_view text) {
  constexpr std::string_view kExample = "expected e.g. http://127.0.0.1:8080/metrics or https://host/path";
  // "localhost:8080" is an absolute URI of scheme "localhost": say what was meant.
  if (text.find("://") == std::string_view::npos)
    return make_error(fmt::format("not an http:// or https:// URL ({})", kExample));
  auto parsed = urls::parse_absolute_uri(text.substr(0, text.find('#')));
  if (!parsed) {
    return make_error(fmt::format("not a valid URL: {} ({})", parsed.error().message(), kExample));
  }
  const urls::url_view& v = *parsed;
  Url u;
  if (v.scheme_id() == urls::scheme::https) {
    u.https = true;
    u.port = 443;
  } else if (v.scheme_id() != urls::scheme::http) {
    return make_error(fmt::format("scheme \"{}\" is not supported ({})", std::string(v.scheme()), kExample));
  }
  if (!v.has_authority() || v.encoded_host().empty())
    return make_error(fmt::format("missing host ({})", kExample));
  if (v.has_userinfo())
    return make_error("user info (user@host) is not supported: give credentials with --header or --token-file");
  switch (v.host_type()) {
    case urls::host_type::ipv4: u.host = v.host_ipv4_address().to_string(); break;
    case urls::host_type::ipv6: u.host = v.host_ipv6_address().to_string(); break;
    case urls::host_type::name: u.host = v.host_name(); break;
    default: return make_error("IPvFuture hosts are not supported");
  }
  if (u.host.empty()) return make_error(fmt::format("missing host ({})", kExample));
  if (v.has_port()) {
    std::string_view p = v.port();
    unsigned n = 0;
    bool ok = !p.empty() && p.size() <= 5;
    for (char ch : p) n = n * 10 + static_cast<unsigned>(ch - '0');
    if (!ok || n == 0 || n > 65535)
      return make_error(fmt::format("port \"{}\" is not a number from 1 to 65535", std::string(p)));
    u.default_port = n == u.port;
    u.port = static_cast<uint16_t>(n);
  }
  std::string target(v.encoded_path());
  if (target.empty()) target = "/";
  if (v.has_query()) target += "?" + std::string(v.encoded_query());
  u.target = std::move(target);
  return u;
}

}  // namespace soak
