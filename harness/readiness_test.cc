#include "harness/readiness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "harness/launcher.h"
#include "tests/testing/http_test_server.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

using namespace std::chrono_literals;

// A one-request-at-a-time HTTP server on 127.0.0.1 answering `status`.
class TinyServer {
 public:
  explicit TinyServer(int status) : status_(status) {
    fd_.reset(::socket(AF_INET, SOCK_STREAM, 0));
    int one = 1;
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_.get(), 8);
    thread_ = std::thread([this] {
      while (true) {
        int c = ::accept(fd_.get(), nullptr, nullptr);
        if (c < 0 || stop_) {
          if (c >= 0) ::close(c);
          return;
        }
        char buf[2048];
        [[maybe_unused]] auto n = ::recv(c, buf, sizeof buf, 0);
        std::string resp = "HTTP/1.1 " + std::to_string(status_) + " X\r\nContent-Length: 0\r\n\r\n";
        [[maybe_unused]] auto m = ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
        ::close(c);
      }
    });
  }
  ~TinyServer() {
    stop_ = true;
    ::shutdown(fd_.get(), SHUT_RDWR);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  int status_;
  Fd fd_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(ReadinessTest, HttpIsReadyOnlyOn2xx) {
  TinyServer ok(204), bad(503);
  ReadySpec s;
  s.kind = ReadySpec::Kind::kHttp;
  s.url = s.text = "http://127.0.0.1:" + std::to_string(ok.port()) + "/healthz";
  ReadinessCheck good(s);
  EXPECT_TRUE(good.poll(2s));
  EXPECT_EQ(good.url(), s.url);
  s.url = s.text = "http://127.0.0.1:" + std::to_string(bad.port()) + "/healthz";
  ReadinessCheck unavailable(s);
  EXPECT_FALSE(unavailable.poll(2s));
  EXPECT_EQ(unavailable.last_failure(), "HTTP 503");  // the not-ready message says why
  // The last poll before the ready timeout, given a sliver of time, times
  // out: the reason stays the server's answer (HttpAuthE2E once read
  // "timed out waiting for the response (after 0.036178ms)").
  EXPECT_FALSE(unavailable.poll(std::chrono::microseconds(30)));
  EXPECT_EQ(unavailable.last_failure(), "HTTP 503");
  EXPECT_FALSE(unavailable.refused());
  auto st = http_get(s.url, 2s);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(st->status, 503);
}

TEST(ReadinessTest, TcpNeedsAListener) {
  TinyServer srv(200);
  EXPECT_TRUE(tcp_ready("127.0.0.1", srv.port(), 1s));
  int closed = testing::free_port();
  EXPECT_FALSE(tcp_ready("127.0.0.1", closed, 1s));
}

TEST(ReadinessTest, LogRegexMatchesAFedLine) {
  ReadySpec s;
  s.kind = ReadySpec::Kind::kLog;
  s.regex = "listening on [0-9.]+:[0-9]+";
  s.text = "log:" + s.regex;
  ReadinessCheck c(s);
  EXPECT_FALSE(c.poll());
  c.feed_line("starting up");
  EXPECT_FALSE(c.poll());
  c.feed_line("INFO listening on 127.0.0.1:4242 now");
  EXPECT_TRUE(c.poll());
  EXPECT_FALSE(c.url().has_value());
}

// A SUT line of 64 KiB (the log capture's line cap) against a pattern that
// makes a backtracking engine explode: libstdc++'s std::regex recurses per
// character and overflowed the stack on such lines; RE2 is linear.
TEST(ReadinessTest, LogRegexSurvivesA64KiBLineAndABacktrackingPattern) {
  ReadySpec s;
  s.kind = ReadySpec::Kind::kLog;
  s.regex = "(a|aa)*c";
  s.text = "log:" + s.regex;
  ReadinessCheck c(s);
  c.feed_line(std::string(64 * 1024, 'a'));
  EXPECT_FALSE(c.poll());
  c.feed_line(std::string(64 * 1024, 'a') + "c");
  EXPECT_TRUE(c.poll());
}

// A refused certificate is final (retrying cannot help): the check says so,
// naming the URL, and --insecure (HttpSettings::insecure) gets through, with
// the run's headers.
TEST(ReadinessTest, HttpsWithARefusedCertificateIsRefusedUnlessInsecure) {
  testing::HttpTestServer srv({.tls = true});  // self-signed, made now
  auto spec = parse_ready_spec(srv.url("/healthz"));
  ASSERT_TRUE(spec) << spec.message();
  ReadinessCheck strict(*spec);
  EXPECT_FALSE(strict.poll(5s));
  ASSERT_TRUE(strict.refused());
  EXPECT_NE(strict.refused()->find(srv.url("/healthz") + ": TLS handshake: certificate verify failed"),
            std::string::npos)
      << *strict.refused();
  EXPECT_NE(strict.last_failure().find("certificate verify failed"), std::string::npos);
  ReadinessCheck insecure(*spec, HttpSettings{.headers = {{"X-Scope-OrgID", "t1"}}, .insecure = true});
  EXPECT_TRUE(insecure.poll(5s));
  EXPECT_FALSE(insecure.refused());
  EXPECT_EQ(srv.last_header("X-Scope-OrgID"), "t1");
}

TEST(ReadinessTest, NoSpecIsReadyAtOnce) { EXPECT_TRUE(ReadinessCheck(std::nullopt).poll()); }

}  // namespace
}  // namespace soak
