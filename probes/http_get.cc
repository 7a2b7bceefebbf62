#include "probes/http_get.h"

#include "common/posix.h"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <memory>
#include <optional>

namespace soak {
namespace {

using Clock = std::chrono::steady_clock;

// Milliseconds left before the deadline, at least 0.
int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

bool wait_for(int fd, short events, Clock::time_point deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, ms_left(deadline));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

std::string lower(std::string_view s) {
  std::string o(s);
  for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

// Decodes a chunked body; false when malformed or incomplete.
bool dechunk(std::string_view in, std::string& out) {
  size_t i = 0;
  while (true) {
    size_t eol = in.find("\r\n", i);
    if (eol == std::string_view::npos) return false;
    std::string_view hex = in.substr(i, eol - i);
    if (size_t semi = hex.find(';'); semi != std::string_view::npos) hex = hex.substr(0, semi);
    size_t n = 0;
    auto [p, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), n, 16);
    if (ec != std::errc() || hex.empty()) return false;
    i = eol + 2;
    if (n == 0) return true;
    if (in.size() < i + n + 2) return false;
    out.append(in.substr(i, n));
    i += n + 2;
  }
}

}  // namespace

Result<ProbeUrl> parse_probe_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  auto err = [&](std::string_view why) {
    return make_error("\"" + std::string(url) + "\": " + std::string(why));
  };
  if (url.substr(0, kScheme.size()) != kScheme)
    return err("expected an http:// URL (https is not supported for probes)");
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  ProbeUrl u;
  u.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (hostport.empty()) return err("no host");
  size_t colon = hostport.rfind(':');
  if (colon != std::string_view::npos && hostport.find(']') == std::string_view::npos) {
    std::string_view port = hostport.substr(colon + 1);
    int p = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || ptr != port.data() + port.size() || p <= 0 || p > 65535)
      return err("port \"" + std::string(port) + "\" is not a number in 1-65535");
    u.port = p;
    hostport = hostport.substr(0, colon);
  }
  if (hostport.empty()) return err("no host");
  u.host = std::string(hostport);
  return u;
}

Result<Fd> tcp_connect(const std::string& host, int port, Duration timeout) {
  const auto deadline = Clock::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0)
    return make_error(std::string("cannot resolve host: ") + gai_strerror(rc));
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(res, ::freeaddrinfo);
  // Every address in turn (IPv6 and IPv4 for "localhost"); the last failure.
  std::string last = "connect: no address";
  for (addrinfo* a = res; a; a = a->ai_next) {
    Fd sock(::socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (sock.get() < 0) {
      last = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    if (::connect(sock.get(), a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last = std::string("connect: ") + std::strerror(errno);
        continue;
      }
      if (!wait_for(sock.get(), POLLOUT, deadline)) {
        last = "connect timed out";
        continue;
      }
      int soerr = 0;
      socklen_t len = sizeof soerr;
      ::getsockopt(sock.get(), SOL_SOCKET, SO_ERROR, &soerr, &len);
      if (soerr != 0) {
        last = std::string("connect: ") + std::strerror(soerr);
        continue;
      }
    }
    return sock;
  }
  return make_error(last);
}

Result<HttpResponse> http_get(const ProbeUrl& url, Duration timeout, std::string_view accept,
                              size_t max_body, const HttpHeaders& headers) {
  const std::string where = "http://" + url.host + ":" + std::to_string(url.port) + url.path;
  auto fail = [&](const std::string& why) { return make_error(where + ": " + why); };
  const auto deadline = Clock::now() + timeout;

  auto connected = tcp_connect(url.host, url.port, timeout);
  if (!connected) return fail(connected.message());
  Fd sock = std::move(*connected);
  int one = 1;
  ::setsockopt(sock.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  std::string req = "GET " + url.path + " HTTP/1.1\r\nHost: " + url.host + ":" +
                    std::to_string(url.port) + "\r\nUser-Agent: soak\r\nAccept: " +
                    std::string(accept) + "\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) req += name + ": " + value + "\r\n";
  req += "\r\n";
  size_t sent = 0;
  while (sent < req.size()) {
    ssize_t n = ::send(sock.get(), req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(sock.get(), POLLOUT, deadline)) return fail("send timed out");
      continue;
    }
    return fail(std::string("send: ") + std::strerror(errno));
  }

  // Read until the body is complete (Content-Length, final chunk) or EOF.
  std::string buf;
  size_t header_end = std::string::npos;
  std::optional<size_t> content_length;
  bool chunked = false;
  HttpResponse resp;
  char tmp[16384];
  while (true) {
    if (header_end != std::string::npos) {
      std::string_view body = std::string_view(buf).substr(header_end);
      if (content_length && body.size() >= *content_length) break;
      if (chunked && body.size() >= 5 && body.substr(body.size() - 5) == "0\r\n\r\n") {
        std::string out;
        if (dechunk(body, out)) break;
      }
    }
    if (!wait_for(sock.get(), POLLIN, deadline)) return fail("timed out waiting for the response");
    ssize_t n = ::recv(sock.get(), tmp, sizeof tmp, 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return fail(std::string("recv: ") + std::strerror(errno));
    }
    if (n == 0) break;
    buf.append(tmp, static_cast<size_t>(n));
    if (buf.size() > max_body + 65536) return fail("response larger than " + std::to_string(max_body) + " bytes");
    if (header_end == std::string::npos) {
      size_t h = buf.find("\r\n\r\n");
      if (h == std::string::npos) continue;
      header_end = h + 4;
      std::string_view head = std::string_view(buf).substr(0, h);
      // Status line: HTTP/1.x NNN reason
      size_t sp = head.find(' ');
      if (head.substr(0, 5) != "HTTP/" || sp == std::string_view::npos || head.size() < sp + 4)
        return fail("malformed status line");
      auto [p, ec] = std::from_chars(head.data() + sp + 1, head.data() + sp + 4, resp.status);
      if (ec != std::errc()) return fail("malformed status line");
      size_t pos = head.find("\r\n");
      while (pos != std::string_view::npos) {
        size_t next = head.find("\r\n", pos + 2);
        std::string_view line = head.substr(pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
        pos = next;
        size_t c = line.find(':');
        if (c == std::string_view::npos) continue;
        std::string key = lower(line.substr(0, c));
        std::string_view val = line.substr(c + 1);
        while (!val.empty() && val.front() == ' ') val.remove_prefix(1);
        if (key == "content-length") {
          size_t cl = 0;
          std::from_chars(val.data(), val.data() + val.size(), cl);
          content_length = cl;
        } else if (key == "transfer-encoding" && lower(val).find("chunked") != std::string::npos) {
          chunked = true;
        } else if (key == "content-type") {
          resp.content_type = std::string(val);
        }
      }
    }
  }
  if (header_end == std::string::npos) return fail("connection closed before the response headers");
  std::string_view body = std::string_view(buf).substr(header_end);
  if (chunked) {
    if (!dechunk(body, resp.body)) return fail("truncated chunked body");
  } else if (content_length) {
    if (body.size() < *content_length) return fail("truncated body (connection closed early)");
    resp.body = std::string(body.substr(0, *content_length));
  } else {
    resp.body = std::string(body);
  }
  return resp;
}

Result<HttpResponse> http_get(std::string_view url, Duration timeout) {
  auto u = parse_probe_url(url);
  if (!u) return u.error();
  return http_get(*u, timeout);
}

bool is_connect_error(const Error& e) {
  return e.message.find(": connect: ") != std::string::npos ||
         e.message.find(": connect timed out") != std::string::npos;
}

bool ConnectGrace::forgive(const Error& e) {
  if (ok_ || !is_connect_error(e)) return false;
  auto now = std::chrono::steady_clock::now();
  if (!first_) first_ = now;
  return now - *first_ < grace_;
}

}  // namespace soak
