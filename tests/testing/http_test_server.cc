#include "tests/testing/http_test_server.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace soak::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

TestCert make_test_cert(const std::string& alt_names) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  if (!key || !x) throw std::runtime_error("make_test_cert: OpenSSL allocation failed");
  X509_set_version(x, 2);
  uint32_t serial = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial);
  ASN1_INTEGER_set(X509_get_serialNumber(x), static_cast<long>(serial >> 1));
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  // A distinct subject per certificate, so a trust store holding several finds the right one.
  std::string cn = "soak test " + std::to_string(serial);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, alt_names.c_str()},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) throw std::runtime_error("make_test_cert: bad extension");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(x, key, EVP_sha256()) == 0) throw std::runtime_error("make_test_cert: signing failed");
  TestCert out;
  BIO* c = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(c, x);
  out.cert_pem = bio_text(c);
  BIO_free(c);
  BIO* k = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = bio_text(k);
  BIO_free(k);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

struct HttpTestServer::Impl {
  explicit Impl(HttpTestServer& s)
      : server(s), tls(ssl::context::tls_server), acceptor(io, {asio::ip::make_address(s.options_.address), 0}) {
    if (s.options_.tls) {
      tls.use_certificate_chain(asio::buffer(s.options_.cert_pem));
      tls.use_private_key(asio::buffer(s.options_.key_pem), ssl::context::pem);
    }
  }

  asio::awaitable<void> accept_loop() {
    while (true) {
      error_code ec;
      tcp::socket sock = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ++server.accepted_;
      asio::co_spawn(io, session(std::move(sock)), asio::detached);
    }
  }

  asio::awaitable<void> wait_forever() {
    asio::steady_timer t(io);
    t.expires_at(asio::steady_timer::time_point::max());
    error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::awaitable<void> session(tcp::socket sock) {
    error_code ec;
    sock.set_option(tcp::no_delay(true), ec);
    if (server.options_.silent) {
      co_await wait_forever();
    } else if (server.options_.tls) {
      ssl::stream<tcp::socket> s(std::move(sock), tls);
      co_await s.async_handshake(ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) co_await serve(s);
    } else {
      co_await serve(sock);
    }
  }

  template <class Stream>
  asio::awaitable<void> serve(Stream& s) {
    beast::flat_buffer buf;
    while (true) {
      error_code ec;
      http::request<http::string_body> req;
      co_await http::async_read(s, buf, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      {
        std::vector<std::pair<std::string, std::string>> headers;
        for (const auto& f : req) headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
        std::lock_guard lock(server.mu_);
        server.requests_.push_back(std::move(headers));
      }
      ++server.count_;
      std::string target(req.target());
      bool authorized = std::all_of(server.options_.require.begin(), server.options_.require.end(), [&](const auto& h) {
        auto it = req.find(h.first);
        return it != req.end() && it->value() == h.second;
      });
      if (!authorized) {
        ++server.unauthorized_;
        http::response<http::string_body> res{http::status::unauthorized, 11};
        res.set(http::field::www_authenticate, "Bearer");
        res.body() = "unauthorized";
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        co_await http::async_write(s, res, asio::redirect_error(asio::use_awaitable, ec));
        if (ec || !req.keep_alive()) co_return;
        continue;
      }
      if (target == "/silent") {
        co_await wait_forever();
        co_return;
      }
      if (target == "/trickle") {
        std::string head = "HTTP/1.1 200 OK\r\nX-Slow: ";
        for (size_t i = 0;; ++i) {
          char ch = i < head.size() ? head[i] : 'x';
          co_await asio::async_write(s, asio::buffer(&ch, 1), asio::redirect_error(asio::use_awaitable, ec));
          if (ec) co_return;
          asio::steady_timer t(io);
          t.expires_after(std::chrono::milliseconds(20));
          co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
      }
      if (target == "/chunked") {
        static const std::string raw =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
            "6\r\nhello \r\n8\r\nchunked \r\n5\r\nworld\r\n0\r\n\r\n";
        co_await asio::async_write(s, asio::buffer(raw), asio::redirect_error(asio::use_awaitable, ec));
        if (ec || !req.keep_alive()) co_return;
        continue;
      }
      http::response<http::string_body> res{http::status::ok, 11};
      if (target.rfind("/status/", 0) == 0) {
        int code = std::atoi(target.c_str() + 8);
        res.result(static_cast<unsigned>(code));
        res.body() = "status " + std::to_string(code);
      } else if (target == "/metrics") {
        res.set(http::field::content_type, "text/plain; version=0.0.4");
        res.body() =
            "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 1.2e+07\n"
            "# TYPE go_goroutines gauge\ngo_goroutines 7\n";
      } else if (target == "/debug/vars") {
        res.set(http::field::content_type, "application/json");
        res.body() = R"({"memstats": {"HeapAlloc": 1048576, "HeapSys": 4194304, "HeapInuse": 2097152, "NumGC": 3}})";
      } else if (target.rfind("/debug/pprof/goroutine", 0) == 0) {
        res.body() = "goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.main+0x1\tmain.go:1\n\n";
      } else {
        res.body() = "ok";
      }
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      co_await http::async_write(s, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !req.keep_alive()) co_return;
    }
  }

  HttpTestServer& server;
  ssl::context tls;  // before io: the sessions io destroys hold streams of it
  asio::io_context io;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
};

HttpTestServer::HttpTestServer() : HttpTestServer(Options{}) {}

HttpTestServer::HttpTestServer(Options options) : options_(std::move(options)) {
  if (options_.tls && options_.cert_pem.empty()) {
    auto c = make_test_cert();
    options_.cert_pem = std::move(c.cert_pem);
    options_.key_pem = std::move(c.key_pem);
  }
  impl_ = std::make_unique<Impl>(*this);
  port_ = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  for (int i = 0; i < std::max(1, options_.threads); ++i) impl_->threads.emplace_back([this] { impl_->io.run(); });
}

HttpTestServer::~HttpTestServer() {
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
}

std::string HttpTestServer::url(std::string_view path) const {
  std::string host = options_.address.find(':') != std::string::npos ? "[" + options_.address + "]" : options_.address;
  return (options_.tls ? "https://" : "http://") + host + ":" + std::to_string(port_) + std::string(path);
}

std::vector<std::vector<std::pair<std::string, std::string>>> HttpTestServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::string HttpTestServer::last_header(std::string_view name) const {
  std::lock_guard lock(mu_);
  if (requests_.empty()) return {};
  for (const auto& [k, v] : requests_.back())
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      return v;
  return {};
}

}  // namespace soak::testing
