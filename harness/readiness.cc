#include "harness/readiness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

#include "harness/launcher.h"

namespace soak {

namespace {

using Clock = std::chrono::steady_clock;

int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// A non-blocking connect with a deadline; the connected socket or an error.
Result<Fd> connect_with_deadline(const std::string& host, int port, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port_s = std::to_string(port);
  int gai = ::getaddrinfo(host.c_str(), port_s.c_str(), &hints, &res);
  if (gai != 0) return make_error(host + ": " + ::gai_strerror(gai));
  std::string last = "no address";
  for (addrinfo* a = res; a; a = a->ai_next) {
    Fd fd(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
    if (!fd) continue;
    int r = ::connect(fd.get(), a->ai_addr, a->ai_addrlen);
    if (r != 0 && errno != EINPROGRESS) {
      last = std::strerror(errno);
      continue;
    }
    if (r != 0) {
      pollfd p{fd.get(), POLLOUT, 0};
      if (::poll(&p, 1, ms_left(deadline)) <= 0) {
        last = "timed out";
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        last = std::strerror(err);
        continue;
      }
    }
    ::freeaddrinfo(res);
    return fd;
  }
  ::freeaddrinfo(res);
  return make_error(host + ":" + port_s + ": " + last);
}

}  // namespace

bool tcp_ready(const std::string& host, int port, Duration timeout) {
  return connect_with_deadline(host, port, Clock::now() + timeout).ok();
}

Result<ReadyUrl> parse_ready_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme)
    return make_error("\"" + std::string(url) + "\": expected http://HOST[:PORT][/PATH]");
  std::string_view rest = url.substr(kScheme.size());
  ReadyUrl u;
  auto slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  if (slash != std::string_view::npos) u.target = std::string(rest.substr(slash));
  if (auto q = hostport.find('?'); q != std::string_view::npos) {
    u.target = "/" + std::string(hostport.substr(q));
    hostport = hostport.substr(0, q);
  }
  std::string_view host = hostport;
  if (!hostport.empty() && hostport[0] == '[') {  // [::1]:8080
    auto close = hostport.find(']');
    if (close == std::string_view::npos) return make_error("\"" + std::string(url) + "\": bad IPv6 host");
    host = hostport.substr(1, close - 1);
    hostport = hostport.substr(close + 1);
    if (!hostport.empty() && hostport[0] == ':') {
      auto p = hostport.substr(1);
      if (std::from_chars(p.data(), p.data() + p.size(), u.port).ec != std::errc())
        return make_error("\"" + std::string(url) + "\": bad port");
    }
  } else if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    auto p = hostport.substr(colon + 1);
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), u.port);
    if (ec != std::errc() || ptr != p.data() + p.size() || u.port <= 0 || u.port > 65535)
      return make_error("\"" + std::string(url) + "\": bad port \"" + std::string(p) + "\"");
  }
  if (host.empty()) return make_error("\"" + std::string(url) + "\": missing host");
  u.host = std::string(host);
  return u;
}

Result<int> ready_http_status(const ReadyUrl& url, Duration timeout) {
  auto deadline = Clock::now() + timeout;
  auto fd = connect_with_deadline(url.host, url.port, deadline);
  if (!fd) return fd.error();
  std::string req = "GET " + url.target + " HTTP/1.1\r\nHost: " + url.host + ":" +
                    std::to_string(url.port) + "\r\nUser-Agent: soak\r\nConnection: close\r\n\r\n";
  size_t sent = 0;
  while (sent < req.size()) {
    pollfd p{fd->get(), POLLOUT, 0};
    if (::poll(&p, 1, ms_left(deadline)) <= 0) return make_error("timed out sending the request");
    ssize_t n = ::send(fd->get(), req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return make_error(std::string("send: ") + std::strerror(errno));
    }
    sent += static_cast<size_t>(n);
  }
  std::string head;
  char buf[1024];
  while (head.find("\r\n") == std::string::npos && head.size() < 8192) {
    pollfd p{fd->get(), POLLIN, 0};
    if (::poll(&p, 1, ms_left(deadline)) <= 0) return make_error("timed out waiting for the response");
    ssize_t n = ::recv(fd->get(), buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return make_error(std::string("recv: ") + std::strerror(errno));
    }
    if (n == 0) break;
    head.append(buf, static_cast<size_t>(n));
  }
  // "HTTP/1.1 200 OK"
  auto sp = head.find(' ');
  if (head.compare(0, 5, "HTTP/") != 0 || sp == std::string::npos || head.size() < sp + 4)
    return make_error("not an HTTP response");
  int status = 0;
  auto [ptr, ec] = std::from_chars(head.data() + sp + 1, head.data() + sp + 4, status);
  if (ec != std::errc()) return make_error("not an HTTP response");
  return status;
}

ReadinessCheck::ReadinessCheck(std::optional<ReadySpec> spec) : spec_(std::move(spec)) {
  if (!spec_) return;
  if (spec_->kind == ReadySpec::Kind::kLog) {
    regex_.emplace(spec_->regex, std::regex::ECMAScript);
  } else if (spec_->kind == ReadySpec::Kind::kHttp) {
    auto u = parse_ready_url(spec_->url.empty() ? spec_->text : spec_->url);
    if (u) http_ = *u;
  }
}

bool ReadinessCheck::poll(Duration timeout) {
  if (!spec_) return true;
  switch (spec_->kind) {
    case ReadySpec::Kind::kTcp: return tcp_ready(spec_->host, spec_->port, timeout);
    case ReadySpec::Kind::kHttp: {
      if (!http_) return false;
      auto st = ready_http_status(*http_, timeout);
      return st && *st >= 200 && *st < 300;
    }
    case ReadySpec::Kind::kLog: return log_matched_;
  }
  return false;
}

void ReadinessCheck::feed_line(std::string_view line) {
  if (!regex_ || log_matched_) return;
  if (std::regex_search(line.begin(), line.end(), *regex_)) log_matched_ = true;
}

std::optional<std::string> ReadinessCheck::url() const {
  if (spec_ && spec_->kind == ReadySpec::Kind::kHttp) return spec_->url.empty() ? spec_->text : spec_->url;
  return std::nullopt;
}

std::string ReadinessCheck::describe() const {
  if (!spec_) return "none";
  return spec_->text;
}

}  // namespace soak
