// A small HTTP/1.1 server for the HTTP load tests (127.0.0.1 only), with the
// knobs the tests need and server-side counts to check the client against.
//
//   GET /status/CODE   -> that status
//   GET /slow?ms=N     -> 200 after N ms
//   GET /close         -> 200 with Connection: close
//   GET /drop          -> 200 (keep-alive), then the server closes the
//                         connection unannounced, like an idle timeout
//   anything else      -> 200 "ok"
// stall_at_request(n, d): the n-th request and every request arriving within
// d after it are answered only when d has passed (a stop-the-world pause).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>

namespace soak::testing {

class HttpSlowServer {
 public:
  using Clock = std::chrono::steady_clock;

  HttpSlowServer() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~HttpSlowServer() {
    io_.stop();
    thread_.join();
  }
  HttpSlowServer(const HttpSlowServer&) = delete;
  HttpSlowServer& operator=(const HttpSlowServer&) = delete;

  int port() const { return acceptor_.local_endpoint().port(); }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }

  void stall_at_request(uint64_t n, std::chrono::milliseconds d) {
    stall_for_ms_ = d.count();
    stall_at_ = n;
  }

  uint64_t connections() const { return connections_.load(); }     // accepted
  uint64_t peer_closes() const { return peer_closes_.load(); }     // closed by the client
  uint64_t requests() const { return requests_.load(); }           // request heads received
  uint64_t responses() const { return responses_.load(); }         // responses written in full
  uint64_t body_bytes() const { return body_bytes_.load(); }       // request bodies received
  size_t max_in_flight() const { return max_in_flight_.load(); }   // requests received, not yet answered
  /// Arrival times of every request (server clock).
  std::vector<Clock::time_point> arrivals() const {
    std::lock_guard lock(mu_);
    return arrivals_;
  }
  std::vector<std::string> request_heads() const {
    std::lock_guard lock(mu_);
    return heads_;
  }

 private:
  using tcp = boost::asio::ip::tcp;

  struct Session : std::enable_shared_from_this<Session> {
    Session(HttpSlowServer& s, tcp::socket sock) : server(s), socket(std::move(sock)), timer(s.io_) {}
    HttpSlowServer& server;
    tcp::socket socket;
    boost::asio::steady_timer timer;
    std::string in;
    std::string out;
    std::array<char, 8192> buf;
    bool busy = false;
    bool drop = false;

    void read() {
      socket.async_read_some(boost::asio::buffer(buf), [self = shared_from_this()](auto ec, size_t n) {
        if (ec) {
          if (ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset) ++self->server.peer_closes_;
          return;
        }
        self->in.append(self->buf.data(), n);
        self->process();
      });
    }

    // Handles the next complete request in `in`, if any; otherwise reads.
    void process() {
      if (busy) return;
      size_t end = in.find("\r\n\r\n");
      if (end == std::string::npos) {
        read();
        return;
      }
      std::string head = in.substr(0, end + 4);
      size_t body = content_length(head);
      if (in.size() < end + 4 + body) {
        read();
        return;
      }
      in.erase(0, end + 4 + body);
      server.body_bytes_ += body;
      uint64_t n = ++server.requests_;
      auto now = Clock::now();
      {
        std::lock_guard lock(server.mu_);
        server.arrivals_.push_back(now);
        if (server.heads_.size() < 100) server.heads_.push_back(head);
      }
      size_t in_flight = ++server.in_flight_;
      size_t seen = server.max_in_flight_.load();
      while (in_flight > seen && !server.max_in_flight_.compare_exchange_weak(seen, in_flight)) {}

      std::string target = head.substr(head.find(' ') + 1);
      target = target.substr(0, target.find(' '));
      int status = 200;
      bool close = false;
      drop = target == "/drop";
      Clock::time_point when = now;
      if (target.rfind("/status/", 0) == 0) status = std::stoi(target.substr(8));
      if (target == "/close") close = true;
      if (target.rfind("/slow?ms=", 0) == 0) when = now + std::chrono::milliseconds(std::stoi(target.substr(9)));
      if (n == server.stall_at_.load()) server.stall_until_ = now + std::chrono::milliseconds(server.stall_for_ms_.load());
      if (now < server.stall_until_) when = std::max(when, server.stall_until_);
      out = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 2\r\n" +
            (close ? "Connection: close\r\n" : "") + "\r\nok";
      busy = true;
      if (when <= now) {
        respond(close);
      } else {
        timer.expires_at(when);
        timer.async_wait([self = shared_from_this(), close](auto) { self->respond(close); });
      }
    }

    void respond(bool close) {
      boost::asio::async_write(socket, boost::asio::buffer(out), [self = shared_from_this(), close](auto ec, size_t) {
        --self->server.in_flight_;
        self->busy = false;
        if (ec) return;
        ++self->server.responses_;
        if (close || self->drop) {
          boost::system::error_code ignored;
          self->socket.shutdown(tcp::socket::shutdown_both, ignored);
          return;
        }
        self->process();
      });
    }

    static size_t content_length(const std::string& head) {
      std::string lower;
      for (char c : head) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t p = lower.find("\r\ncontent-length:");
      if (p == std::string::npos) return 0;
      return std::stoul(lower.substr(p + 17));
    }
  };

  void accept() {
    acceptor_.async_accept([this](auto ec, tcp::socket sock) {
      if (ec) return;
      ++connections_;
      std::make_shared<Session>(*this, std::move(sock))->read();
      accept();
    });
  }

  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<uint64_t> connections_{0}, peer_closes_{0}, requests_{0}, responses_{0}, body_bytes_{0};
  std::atomic<size_t> in_flight_{0}, max_in_flight_{0};
  std::atomic<uint64_t> stall_at_{0};
  std::atomic<int64_t> stall_for_ms_{0};
  Clock::time_point stall_until_{};  // server thread only
  mutable std::mutex mu_;
  std::vector<Clock::time_point> arrivals_;
  std::vector<std::string> heads_;
};

}  // namespace soak::testing
