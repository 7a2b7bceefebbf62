#include "net/http_client.h"

#include <cstdlib>
#include <chrono>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/http_test_server.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::HttpTestServer;
using testing::make_test_cert;

// The "system CA store" of this test binary: OpenSSL reads SSL_CERT_FILE in
// place of /etc/ssl/certs, so one self-signed certificate is trusted and a
// fresh one is not. Set before the first TLS context is made.
struct TrustStore {
  TrustStore() : trusted(make_test_cert()), wrong_name(make_test_cert("DNS:other.example")) {
    testing::write_file(dir.path() / "ca.pem", trusted.cert_pem + wrong_name.cert_pem);
    ::setenv("SSL_CERT_FILE", (dir.path() / "ca.pem").c_str(), 1);
  }
  testing::TempDir dir;
  testing::TestCert trusted, wrong_name;
};
const TrustStore& trust() {
  static TrustStore t;
  return t;
}
[[maybe_unused]] const TrustStore& g_trust_before_any_test = trust();

Url url(const std::string& text) {
  auto u = parse_url(text);
  EXPECT_TRUE(u) << text << ": " << u.message();
  return u ? *u : Url{};
}

HttpTestServer tls_server(const testing::TestCert& cert) {
  return HttpTestServer({.tls = true, .cert_pem = cert.cert_pem, .key_pem = cert.key_pem});
}

// Bounds a wait in a test that checks the deadline is honoured: generous, so
// a loaded machine does not make it flake; a hang would take forever.
constexpr auto kHangBound = 30s;

TEST(HttpClient, GetsPlainAndChunkedBodies) {
  HttpTestServer srv;
  auto r = http_get(url(srv.url("/")), 5s);
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
  auto c = http_get(url(srv.url("/chunked")), 5s);
  ASSERT_TRUE(c) << c.message();
  EXPECT_EQ(c->body, "hello chunked world");
  EXPECT_EQ(c->header("content-type"), "text/plain");
  auto nf = http_get(url(srv.url("/status/404")), 5s);
  ASSERT_TRUE(nf) << nf.message();
  EXPECT_EQ(nf->status, 404);
  EXPECT_EQ(srv.last_header("Host"), "127.0.0.1:" + std::to_string(srv.port()));
  EXPECT_THAT(srv.last_header("User-Agent"), HasSubstr("soak/"));
}

TEST(HttpClient, ReachesAnIpv6Literal) {
  std::unique_ptr<HttpTestServer> srv;
  try {
    srv = std::make_unique<HttpTestServer>(HttpTestServer::Options{.address = "::1"});
  } catch (const std::exception& e) {
    GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
  }
  auto r = http_get(url(srv->url("/x")), 5s);
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(srv->last_header("Host"), "[::1]:" + std::to_string(srv->port()));
}

TEST(HttpClient, SendsTheSettingsHeaders) {
  HttpTestServer srv;
  HttpSettings s{.headers = {{"X-Scope-OrgID", "t1"}, {"Authorization", "Bearer s3cret"}}};
  auto r = http_get(url(srv.url("/metrics")), 5s, s, {.accept = "text/plain"});
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(srv.last_header("X-Scope-OrgID"), "t1");
  EXPECT_EQ(srv.last_header("Authorization"), "Bearer s3cret");
  EXPECT_EQ(srv.last_header("Accept"), "text/plain");
}

TEST(HttpClient, RefusedIsAConnectErrorNamingTheUrl) {
  std::string u = "http://127.0.0.1:" + std::to_string(testing::free_port()) + "/x";
  auto r = http_get(url(u), 2s);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.message(), HasSubstr(u + ": connect: "));
  EXPECT_THAT(r.message(), HasSubstr("refused"));
  EXPECT_TRUE(is_connect_error(r.error()));
}

TEST(HttpClient, AServerThatNeverAnswersEndsAtTheDeadline) {
  HttpTestServer srv;
  auto t0 = std::chrono::steady_clock::now();
  auto r = http_get(url(srv.url("/silent")), 300ms);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, kHangBound);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.message(), HasSubstr("timed out waiting for the response"));
  EXPECT_FALSE(is_connect_error(r.error()));
}

TEST(HttpClient, ATricklingServerEndsAtTheDeadline) {
  HttpTestServer srv;
  auto t0 = std::chrono::steady_clock::now();
  auto r = http_get(url(srv.url("/trickle")), 300ms);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, kHangBound);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.message(), HasSubstr("timed out"));
}

TEST(HttpClient, AStuckTlsHandshakeEndsAtTheDeadline) {
  HttpTestServer srv({.silent = true});
  auto r = http_get(url("https://127.0.0.1:" + std::to_string(srv.port()) + "/"), 300ms);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.message(), HasSubstr("timed out in the TLS handshake"));
  EXPECT_GE(srv.accepted(), 1u);
}

TEST(HttpClient, HttpsWithATrustedCertificate) {
  auto srv = tls_server(trust().trusted);
  for (std::string host : {"127.0.0.1", "localhost"}) {
    std::string u = "https://" + host + ":" + std::to_string(srv.port()) + "/chunked";
    auto r = http_get(url(u), 5s, {.headers = {{"Authorization", "Bearer tok"}}});
    ASSERT_TRUE(r) << r.message();
    EXPECT_EQ(r->body, "hello chunked world");
    EXPECT_EQ(srv.last_header("Authorization"), "Bearer tok");
  }
}

TEST(HttpClient, HttpsRefusesAnUntrustedCertificateUnlessInsecure) {
  trust();
  auto srv = tls_server(make_test_cert());  // self-signed, not in the store
  auto u = srv.url("/metrics");
  auto r = http_get(url(u), 5s);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.message(), HasSubstr(u + ": TLS handshake: certificate verify failed: self-signed certificate"));
  EXPECT_THAT(r.message(), HasSubstr("SSL_CERT_FILE"));
  EXPECT_THAT(r.message(), HasSubstr("--insecure"));
  EXPECT_TRUE(is_certificate_error(r.error()));
  EXPECT_EQ(srv.request_count(), 0u);

  auto ok = http_get(url(u), 5s, {.headers = {{"X-Scope-OrgID", "t1"}}, .insecure = true});
  ASSERT_TRUE(ok) << ok.message();
  EXPECT_EQ(ok->status, 200);
  EXPECT_THAT(ok->body, HasSubstr("go_goroutines 7"));
  EXPECT_EQ(srv.last_header("X-Scope-OrgID"), "t1");
}

TEST(HttpClient, HttpsRefusesACertificateForAnotherName) {
  auto srv = tls_server(trust().wrong_name);  // trusted, but for other.example
  auto r = http_get(url(srv.url("/")), 5s);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.message(), HasSubstr("certificate verify failed: IP address mismatch"));
  auto ok = http_get(url(srv.url("/")), 5s, {.insecure = true});
  EXPECT_TRUE(ok) << ok.message();
}

TEST(HttpClient, HttpsToAPlainServerFailsClearly) {
  HttpTestServer srv;
  auto r = http_get(url("https://127.0.0.1:" + std::to_string(srv.port()) + "/"), 5s);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.message(), HasSubstr("TLS handshake: "));
}

TEST(HttpClient, ABodyOverTheLimitIsAnError) {
  HttpTestServer srv;
  auto r = http_get(url(srv.url("/metrics")), 5s, {}, {.max_body = 10});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.message(), HasSubstr("response larger than 10 bytes"));
}

TEST(HttpHeader, ParsesAndChecksUserHeaders) {
  auto h = parse_header("X-Scope-OrgID:  t1 ");
  ASSERT_TRUE(h) << h.message();
  EXPECT_EQ(h->first, "X-Scope-OrgID");
  EXPECT_EQ(h->second, "t1");
  EXPECT_THAT(parse_header("no colon").message(), HasSubstr("expected \"Name: value\""));
  EXPECT_THAT(parse_header("Bad Name: x").message(), HasSubstr("is not a header name"));
  EXPECT_THAT(parse_header("X: a\r\nInjected: 1").message(), HasSubstr("line break"));
}

TEST(TcpCheck, NeedsAListener) {
  HttpTestServer srv;
  EXPECT_TRUE(tcp_check("127.0.0.1", srv.port(), 2s).ok());
  auto closed = tcp_check("127.0.0.1", static_cast<uint16_t>(testing::free_port()), 2s);
  ASSERT_FALSE(closed.ok());
  EXPECT_TRUE(is_connect_error(closed.error())) << closed.message();
}

}  // namespace
}  // namespace soak
