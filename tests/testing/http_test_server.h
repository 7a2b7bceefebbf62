// An HTTP/1.1 server on loopback for the HTTP client, readiness, load and
// end-to-end tests, plain or TLS with a self-signed certificate made at test
// time (OpenSSL API, no openssl CLI). It records what the client sent.
//
//   GET /status/CODE   -> that status, body "status CODE"
//   GET /chunked       -> 200, "hello chunked world" in three chunks
//   GET /metrics       -> 200, a small Prometheus text exposition
//   GET /debug/pprof/goroutine?debug=1 -> 200, a one-goroutine profile
//   GET /debug/vars    -> 200, expvar JSON with a few memstats
//   GET /silent        -> never answers (the connection stays open)
//   GET /trickle       -> a response head trickled one byte every 20 ms, never ending
//   anything else      -> 200 "ok"
// Options::require: a request without the required headers gets 401.
// Options::silent: connections are accepted and never read (a stuck
// endpoint before any HTTP or TLS byte).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace soak::testing {

/// A self-signed certificate and its key, PEM.
struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};
/// A fresh self-signed EC P-256 certificate (CN "soak test SERIAL") with these
/// subject alternative names (OpenSSL's syntax), valid from an hour ago for
/// a day.
TestCert make_test_cert(const std::string& alt_names = "DNS:localhost,IP:127.0.0.1,IP:::1");

class HttpTestServer {
 public:
  struct Options {
    bool tls = false;
    /// The certificate served over TLS; a fresh one when empty.
    std::string cert_pem, key_pem;
    std::string address = "127.0.0.1";
    bool silent = false;
    int threads = 1;
    /// Headers every request must carry with exactly these values (name in
    /// any case), else 401 "unauthorized" (e.g. {"Authorization", "Bearer T"}).
    std::vector<std::pair<std::string, std::string>> require;
  };
  HttpTestServer();
  explicit HttpTestServer(Options options);
  ~HttpTestServer();
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  uint16_t port() const { return port_; }
  /// "https://127.0.0.1:PORT/path" (brackets for an IPv6 address).
  std::string url(std::string_view path = "/") const;
  /// The certificate served (PEM), e.g. for SSL_CERT_FILE.
  const std::string& cert_pem() const { return options_.cert_pem; }

  /// Headers of every request received, in arrival order.
  std::vector<std::vector<std::pair<std::string, std::string>>> requests() const;
  /// The last request's header `name` (any case), or empty.
  std::string last_header(std::string_view name) const;
  uint64_t request_count() const { return count_.load(); }
  uint64_t accepted() const { return accepted_.load(); }
  /// Requests answered 401 for lack of a required header.
  uint64_t unauthorized() const { return unauthorized_.load(); }

 private:
  struct Impl;
  friend struct Impl;
  Options options_;
  uint16_t port_ = 0;
  std::unique_ptr<Impl> impl_;
  mutable std::mutex mu_;
  std::vector<std::vector<std::pair<std::string, std::string>>> requests_;
  std::atomic<uint64_t> count_{0}, accepted_{0}, unauthorized_{0};
};

}  // namespace soak::testing
