// The built-in load over TLS against a real local TLS server with a
// self-signed certificate made at test time (tests/testing/http_test_server.h):
// keep-alive (one handshake per connection), session resumption on
// reconnects, the run's headers on every request, and a refused certificate
// counted as a tls error with its reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/http_test_server.h"
#include "tests/testing/testing.h"
#include "workloads/http_engine.h"

namespace soak {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

HttpLoadConfig tls_config(const testing::HttpTestServer& srv, json extra, HttpSettings client) {
  json http = {{"url", srv.url("/api")}};
  http.update(extra);
  auto c = parse_http_load_config(http, "test");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.message());
  HttpLoadConfig out = c.ok() ? *c : HttpLoadConfig{};
  out.client = std::move(client);
  return out;
}

// Runs until every scheduled request has settled; the bound only guards
// against a hang.
HttpLoadCounters run_all(HttpLoadEngine& engine) {
  EXPECT_TRUE(engine.start().ok());
  EXPECT_TRUE(testing::wait_until([&] { return engine.finished(); }, 60)) << "the load did not settle";
  engine.stop();
  return engine.counters();
}

TEST(HttpLoadTls, KeepAliveMeansOneHandshakePerConnectionAndTheHeadersGoWithEveryRequest) {
  testing::HttpTestServer srv({.tls = true, .require = {{"Authorization", "Bearer tok"}, {"X-Scope-OrgID", "t1"}}});
  HttpLoadEngine engine(tls_config(srv, {{"rate", 1000}, {"connections", 4}},
                                   {.headers = {{"X-Scope-OrgID", "t1"}, {"Authorization", "Bearer tok"}},
                                    .insecure = true}),
                        {.max_requests = 200});
  auto c = run_all(engine);
  EXPECT_EQ(c.requests, 200u);
  EXPECT_EQ(c.errors, 0u);
  EXPECT_EQ(srv.unauthorized(), 0u);
  EXPECT_LE(c.connections, 4u);
  EXPECT_EQ(c.tls_handshakes, c.connections);
  EXPECT_LE(srv.accepted(), 4u);
}

TEST(HttpLoadTls, AReconnectResumesTheTlsSession) {
  testing::HttpTestServer srv({.tls = true});
  // A new connection for every request, one at a time: the first handshake
  // is full, each later one resumes the session the previous one kept.
  HttpLoadEngine engine(tls_config(srv, {{"connections", 1}, {"churn_every", 1}}, {.insecure = true}),
                        {.closed_loop = true, .max_requests = 10});
  auto c = run_all(engine);
  EXPECT_EQ(c.requests, 10u);
  EXPECT_EQ(c.errors, 0u);
  EXPECT_EQ(c.connections, 10u);
  EXPECT_EQ(c.tls_handshakes, 10u);
  EXPECT_EQ(c.tls_resumed, 9u);
}

// Eight connections churning at once: each reconnect offers a ticket no
// other connection used (servers take a TLS 1.3 ticket once), so all but the
// first (at most eight) full handshakes resume.
TEST(HttpLoadTls, ConcurrentReconnectsEachResumeWithTheirOwnTicket) {
  testing::HttpTestServer srv({.tls = true});
  HttpLoadEngine engine(tls_config(srv, {{"connections", 8}, {"churn_every", 10}}, {.insecure = true}),
                        {.closed_loop = true, .max_requests = 2000});
  auto c = run_all(engine);
  EXPECT_EQ(c.requests, 2000u);
  EXPECT_EQ(c.errors, 0u);
  EXPECT_GE(c.tls_handshakes, 200u);
  EXPECT_LE(c.tls_handshakes - c.tls_resumed, 8u) << c.tls_resumed << " of " << c.tls_handshakes << " resumed";
}

TEST(HttpLoadTls, ARefusedCertificateIsATlsErrorWithItsReason) {
  testing::HttpTestServer srv({.tls = true});  // self-signed: trusted by nobody
  HttpLoadEngine engine(tls_config(srv, {{"rate", 100}, {"connections", 2}}, {}), {.max_requests = 5});
  auto c = run_all(engine);
  EXPECT_EQ(c.requests, 0u);
  EXPECT_EQ(c.errors_by_kind[static_cast<size_t>(HttpErrorKind::kTls)], 5u);
  EXPECT_EQ(c.tls_handshakes, 0u);
  ASSERT_TRUE(engine.tls_error());
  EXPECT_THAT(*engine.tls_error(), HasSubstr("certificate verify failed: self-signed certificate"));
  EXPECT_EQ(srv.request_count(), 0u);
}

}  // namespace
}  // namespace soak
