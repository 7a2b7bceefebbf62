#include "net/url.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace soak {
namespace {

using ::testing::HasSubstr;

TEST(Url, SplitsHostPortAndTarget) {
  auto u = parse_url("http://127.0.0.1:8080/healthz?x=1#frag");
  ASSERT_TRUE(u) << u.message();
  EXPECT_FALSE(u->https);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_FALSE(u->default_port);
  EXPECT_EQ(u->target, "/healthz?x=1");
  EXPECT_EQ(u->authority(), "127.0.0.1:8080");
  EXPECT_EQ(u->str(), "http://127.0.0.1:8080/healthz?x=1");
  EXPECT_TRUE(u->host_is_ip());
}

TEST(Url, DefaultsPortAndPathByScheme) {
  auto h = parse_url("http://localhost");
  ASSERT_TRUE(h) << h.message();
  EXPECT_EQ(h->port, 80);
  EXPECT_EQ(h->target, "/");
  EXPECT_EQ(h->authority(), "localhost");
  EXPECT_FALSE(h->host_is_ip());
  auto s = parse_url("https://example.com?q=1");
  ASSERT_TRUE(s) << s.message();
  EXPECT_TRUE(s->https);
  EXPECT_EQ(s->port, 443);
  EXPECT_EQ(s->target, "/?q=1");
  auto explicit_default = parse_url("https://example.com:443/x");
  ASSERT_TRUE(explicit_default);
  EXPECT_EQ(explicit_default->authority(), "example.com");
}

TEST(Url, TakesIpv6Literals) {
  auto u = parse_url("http://[::1]:8080/x");
  ASSERT_TRUE(u) << u.message();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/x");
  EXPECT_TRUE(u->host_is_ip());
  EXPECT_EQ(u->authority(), "[::1]:8080");
  EXPECT_EQ(u->str(), "http://[::1]:8080/x");
  auto v = parse_url("https://[fe80::1%25eth0]/");  // zone IDs are not RFC 3986
  EXPECT_FALSE(v);
}

TEST(Url, AppendsPaths) {
  auto u = parse_url("http://h:1/base/?x=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->with_path("/debug/vars").target, "/base/debug/vars");
  auto root = parse_url("http://h:1");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->with_path("/debug/pprof/goroutine?debug=1").target, "/debug/pprof/goroutine?debug=1");
}

TEST(Url, RefusesWhatItCannotFetchWithAReason) {
  EXPECT_THAT(parse_url("http://[::1").message(), HasSubstr("not a valid URL"));
  EXPECT_THAT(parse_url("ftp://x/").message(), HasSubstr("scheme \"ftp\" is not supported"));
  EXPECT_THAT(parse_url("127.0.0.1:8080").message(), HasSubstr("not an http:// or https:// URL"));
  EXPECT_THAT(parse_url("/metrics").message(), HasSubstr("not an http:// or https:// URL"));
  EXPECT_THAT(parse_url("http://").message(), HasSubstr("missing host"));
  EXPECT_THAT(parse_url("http://:80/").message(), HasSubstr("missing host"));
  EXPECT_THAT(parse_url("http://h:0/").message(), HasSubstr("port \"0\""));
  EXPECT_THAT(parse_url("http://h:99999/").message(), HasSubstr("port \"99999\""));
  EXPECT_THAT(parse_url("http://h:/").message(), HasSubstr("port \"\""));
  EXPECT_FALSE(parse_url("http://h:ab/"));
  EXPECT_FALSE(parse_url("http://h/a b"));
  EXPECT_THAT(parse_url("http://u:p@h/").message(), HasSubstr("user info"));
}

}  // namespace
}  // namespace soak
