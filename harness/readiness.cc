#include "harness/readiness.h"

#include "probes/http_get.h"

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

ReadinessCheck::ReadinessCheck(std::optional<ReadySpec> spec) : spec_(std::move(spec)) {
  if (!spec_) return;
  if (spec_->kind == ReadySpec::Kind::kLog) {
    regex_.emplace(spec_->regex, std::regex::ECMAScript);
  } else if (spec_->kind == ReadySpec::Kind::kHttp) {
    auto u = parse_probe_url(spec_->url.empty() ? spec_->text : spec_->url);
    if (u) http_ = *u;
  }
}

bool ReadinessCheck::poll(Duration timeout) {
  if (!spec_) return true;
  switch (spec_->kind) {
    case ReadySpec::Kind::kTcp: return tcp_ready(spec_->host, spec_->port, timeout);
    case ReadySpec::Kind::kHttp: {
      if (!http_) return false;
      auto r = http_get(*http_, timeout);
      return r && r->status >= 200 && r->status < 300;
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
