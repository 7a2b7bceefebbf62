#include "net/http_client.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

#include "net/http_response.h"
#include "net/tls.h"

#ifndef SOAK_VERSION
#define SOAK_VERSION "dev"
#endif

namespace soak {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

Result<std::vector<tcp::endpoint>> endpoints_of(asio::io_context& io, const std::string& host, uint16_t port) {
  error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (!ec) return std::vector<tcp::endpoint>{{addr, port}};
  tcp::resolver resolver(io);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return make_error(fmt::format("cannot resolve host \"{}\": {}", host, ec.message()));
  std::vector<tcp::endpoint> out;
  for (const auto& r : results) out.push_back(r.endpoint());
  if (out.empty()) return make_error(fmt::format("cannot resolve host \"{}\": no address", host));
  return out;
}

// One exchange on its own io_context: the deadline timer closes the socket,
// which ends whatever operation is pending.
struct Exchange {
  explicit Exchange(Duration timeout) : sock(io), timer(io) {
    timer.expires_after(timeout);
    timer.async_wait([this](error_code ec) {
      if (ec) return;
      timed_out = true;
      error_code ignored;
      sock.close(ignored);
    });
  }
  asio::io_context io{1};
  tcp::socket sock;
  asio::steady_timer timer;
  bool timed_out = false;
  std::string failure;  // set when the exchange failed
};

// Every address in turn; the last failure names the reason.
asio::awaitable<bool> connect_any(Exchange& x, const std::vector<tcp::endpoint>& eps) {
  std::string last = "connect: no address";
  for (const auto& ep : eps) {
    if (x.timed_out) break;
    error_code ec;
    x.sock.close(ec);
    x.sock.open(ep.protocol(), ec);
    if (!ec) co_await x.sock.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && !x.timed_out) co_return true;
    last = "connect: " + ec.message();
  }
  x.failure = x.timed_out ? "connect timed out" : last;
  co_return false;
}

template <class Stream>
asio::awaitable<void> exchange(Exchange& x, Stream& stream, const http::request<http::empty_body>& req,
                               size_t max_body, HttpResponse& out) {
  error_code ec;
  co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    x.failure = "send: " + ec.message();
    co_return;
  }
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_body);
  parser.header_limit(kMaxResponseHeaderBytes);
  co_await http::async_read(stream, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
  // A TLS peer may close without close_notify where EOF ends the body.
  if (ec == ssl::error::stream_truncated && parser.is_header_done() && parser.need_eof()) {
    ec = {};
    parser.put_eof(ec);
  }
  if (ec == ssl::error::stream_truncated) ec = asio::error::eof;  // closed early, as on plain TCP
  if (ec) {
    x.failure = describe_read_error(ec, parser.is_header_done(), max_body);
    co_return;
  }
  out = to_http_response(parser.release());
}

http::request<http::empty_body> make_request(const Url& url, const HttpSettings& s, const HttpGetOptions& o) {
  http::request<http::empty_body> req{http::verb::get, url.target, 11};
  req.set(http::field::host, url.authority());
  req.set(http::field::user_agent, "soak/" SOAK_VERSION);
  req.set(http::field::accept, o.accept);
  req.set(http::field::connection, "close");
  for (const auto& [k, v] : s.headers) {
    // The user's Host, User-Agent or Accept replaces ours; others add up.
    if (same_header_name(k, "Host") || same_header_name(k, "User-Agent") || same_header_name(k, "Accept")) req.set(k, v);
    else req.insert(k, v);
  }
  return req;
}

std::string format_timeout(Duration d) { return fmt::format("{:g}ms", static_cast<double>(d.count()) / 1e6); }

}  // namespace

Status check_header(std::string_view name, std::string_view value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char))
    return make_error(fmt::format("\"{}\" is not a header name (letters, digits and !#$%&'*+-.^_`|~ only)", name));
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
    return make_error("the header value holds a line break or NUL");
  return Status::Ok();
}

Result<HttpHeader> parse_header(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return make_error("expected \"Name: value\" (e.g. \"X-Scope-OrgID: t1\")");
  std::string_view name = text.substr(0, colon), value = text.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  SOAK_TRY(check_header(name, value));
  return HttpHeader{std::string(name), std::string(value)};
}

bool same_header_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (same_header_name(k, name)) return v;
  return {};
}

Result<HttpResponse> http_get(const Url& url, Duration timeout, const HttpSettings& settings,
                              const HttpGetOptions& options) {
  const std::string where = url.str();
  auto fail = [&](const std::string& why) { return make_error(where + ": " + why); };
  Exchange x(timeout);
  auto eps = endpoints_of(x.io, url.host, url.port);
  if (!eps) return fail(eps.message());
  const auto req = make_request(url, settings, options);
  HttpResponse out;
  std::optional<ssl::stream<tcp::socket&>> tls;
  const char* phase = "connect";

  auto run = [&]() -> asio::awaitable<void> {
    if (!co_await connect_any(x, *eps)) co_return;
    error_code ec;
    x.sock.set_option(tcp::no_delay(true), ec);
    if (url.https) {
      phase = "TLS handshake";
      tls.emplace(x.sock, tls_client_context());
      if (auto pec = tls_prepare(tls->native_handle(), url, settings.insecure)) {
        x.failure = "TLS set-up: " + pec.message();
        co_return;
      }
      co_await tls->async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!x.timed_out) {
          x.failure = "TLS handshake: " + tls_error_text(tls->native_handle(), ec);
          if (SSL_get_verify_result(tls->native_handle()) != X509_V_OK)
            x.failure += " (trust its CA through SSL_CERT_FILE, or skip the check with --insecure)";
        }
        co_return;
      }
      phase = "response";
      co_await exchange(x, *tls, req, options.max_body, out);
    } else {
      phase = "response";
      co_await exchange(x, x.sock, req, options.max_body, out);
    }
  };
  std::exception_ptr crashed;
  asio::co_spawn(x.io, run(), [&](std::exception_ptr e) {
    crashed = e;
    x.timer.cancel();
  });
  x.io.run();
  if (crashed) {
    try {
      std::rethrow_exception(crashed);
    } catch (const std::exception& e) {
      return fail(std::string("internal error: ") + e.what());
    }
  }
  if (x.timed_out) {
    if (std::string_view(phase) == "connect") return fail("connect timed out after " + format_timeout(timeout));
    if (std::string_view(phase) == "response")
      return fail("timed out waiting for the response (after " + format_timeout(timeout) + ")");
    return fail(fmt::format("timed out in the {} (after {})", phase, format_timeout(timeout)));
  }
  if (!x.failure.empty()) return fail(x.failure);
  return out;
}

Result<HttpResponse> http_get(std::string_view url, Duration timeout, const HttpSettings& settings,
                              const HttpGetOptions& options) {
  auto u = parse_url(url);
  if (!u) return make_error(fmt::format("\"{}\": {}", url, u.message()));
  return http_get(*u, timeout, settings, options);
}

bool is_connect_error(const Error& e) {
  return e.message.find(": connect: ") != std::string::npos ||
         e.message.find(": connect timed out") != std::string::npos;
}

bool is_certificate_error(const Error& e) {
  return e.message.find(": TLS handshake: certificate verify failed") != std::string::npos;
}

Status tcp_check(const std::string& host, uint16_t port, Duration timeout) {
  Exchange x(timeout);
  auto eps = endpoints_of(x.io, host, port);
  if (!eps) return eps.error();
  bool ok = false;
  asio::co_spawn(
      x.io,
      [&]() -> asio::awaitable<void> {
        ok = co_await connect_any(x, *eps);
        x.timer.cancel();
      },
      asio::detached);
  x.io.run();
  if (!ok) return make_error(fmt::format("{}:{}: {}", host, port, x.failure));
  return Status::Ok();
}

}  // namespace soak
