#include "harness/http_options.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/cli.h"
#include "harness/config.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;
using Args = std::vector<std::string>;

Result<CliRequest> cli(Args args) {
  args.insert(args.begin(), "soak");
  return parse_cli(args);
}

std::string cli_error(Args args) {
  auto r = cli(std::move(args));
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string() : r.message();
}

const char* kToken = "s3cr3t-T0ken.value";

TEST(HttpOptionsTest, RunFlagsGiveHeadersTokenFileAndInsecure) {
  auto r = cli({"run", "--duration", "1m", "--header", "X-Scope-OrgID: t1", "--header", "X-Trace:a:b",
                "--token-file", "tok.txt", "--insecure", "--", "./server"});
  ASSERT_TRUE(r) << r.message();
  const HttpClientConfig& h = r->run.http_client;
  EXPECT_EQ(h.headers, (std::vector<HttpHeader>{{"X-Scope-OrgID", "t1"}, {"X-Trace", "a:b"}}));
  ASSERT_TRUE(h.token_file);
  EXPECT_EQ(*h.token_file, "tok.txt");
  EXPECT_TRUE(h.insecure);
}

TEST(HttpOptionsTest, NoFlagsNoSettings) {
  auto r = cli({"run", "--duration", "1m", "--", "./server"});
  ASSERT_TRUE(r) << r.message();
  EXPECT_TRUE(r->run.http_client.empty());
  EXPECT_FALSE(insecure_warning(r->run.http_client));
}

TEST(HttpOptionsTest, BadHeadersNameTheFlagTheTextAndTheReason) {
  EXPECT_THAT(cli_error({"run", "--duration", "1m", "--header", "X-Scope-OrgID t1", "--", "./s"}),
              HasSubstr("--header \"X-Scope-OrgID t1\": expected \"Name: value\""));
  EXPECT_THAT(cli_error({"run", "--duration", "1m", "--header", "Bad Name: x", "--", "./s"}),
              HasSubstr("--header \"Bad Name: x\": \"Bad Name\" is not a header name"));
  EXPECT_THAT(cli_error({"run", "--duration", "1m", "--header", ": x", "--", "./s"}),
              HasSubstr("--header \": x\": \"\" is not a header name"));
  EXPECT_THAT(cli_error({"run", "--duration", "1m", "--token-file", "", "--", "./s"}),
              HasSubstr("--token-file \"\": empty path"));
  // soak fleet takes the same flags, with the same messages.
  EXPECT_THAT(cli_error({"fleet", "--prometheus", "http://127.0.0.1:9090", "--select", "{job=\"a\"}", "--since",
                         "1h", "--header", "X-Scope-OrgID t1"}),
              HasSubstr("--header \"X-Scope-OrgID t1\": expected \"Name: value\""));
}

TEST(HttpOptionsTest, FleetReadsTheTokenBeforeAnyRequest) {
  testing::TempDir dir;
  testing::write_file(dir / "tok", std::string(kToken) + "\n");
  auto r = cli({"fleet", "--prometheus", "https://127.0.0.1:9090", "--select", "{job=\"a\"}", "--since", "1h",
                "--header", "X-Scope-OrgID: t1", "--token-file", (dir / "tok").string(), "--insecure"});
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(r->fleet.http.headers,
            (std::vector<HttpHeader>{{"X-Scope-OrgID", "t1"}, {"Authorization", std::string("Bearer ") + kToken}}));
  EXPECT_TRUE(r->fleet.http.insecure);
  auto missing = cli_error({"fleet", "--prometheus", "http://127.0.0.1:9090", "--select", "{job=\"a\"}", "--since",
                            "1h", "--token-file", (dir / "nope").string()});
  EXPECT_THAT(missing, HasSubstr("--token-file \"" + (dir / "nope").string() + "\": no such file"));
}

TEST(HttpOptionsTest, ConfigObjectAndFlagsOverIt) {
  testing::TempDir dir;
  testing::write_file(dir / "soak.json", R"({"duration": "1m", "http_client": {
      "headers": {"X-Scope-OrgID": "t0", "X-Other": "o"}, "token_file": "t.txt", "insecure": true}})");
  auto r = cli({"run", "--config", (dir / "soak.json").string(), "--header", "x-scope-orgid: t1", "--", "./s"});
  ASSERT_TRUE(r) << r.message();
  const HttpClientConfig& h = r->run.http_client;
  // A flag header replaces the config's header of the same name (any case).
  EXPECT_EQ(h.headers, (std::vector<HttpHeader>{{"X-Other", "o"}, {"x-scope-orgid", "t1"}}));  // JSON keys sorted
  EXPECT_EQ(*h.token_file, "t.txt");
  EXPECT_EQ(h.token_origin, "http_client.token_file");
  EXPECT_TRUE(h.insecure);
}

TEST(HttpOptionsTest, ConfigErrorsNameTheKeyPath) {
  auto error_of = [](const json& j) {
    RunConfig c;
    auto st = apply_config_json(j, c);
    EXPECT_FALSE(st.ok());
    return st.message();
  };
  EXPECT_THAT(error_of({{"http_client", "x"}}), HasSubstr("http_client: expected an object"));
  EXPECT_THAT(error_of({{"http_client", {{"headers", {{"X-A", 1}}}}}}),
              HasSubstr("http_client.headers.X-A: expected a string, got 1"));
  EXPECT_THAT(error_of({{"http_client", {{"headers", {{"Bad Name", "x"}}}}}}),
              HasSubstr("http_client.headers.Bad Name: \"Bad Name\" is not a header name"));
  EXPECT_THAT(error_of({{"http_client", {{"headers", {{"X-A", "a\r\nX-B: b"}}}}}}),
              HasSubstr("http_client.headers.X-A: the header value holds a line break"));
  EXPECT_THAT(error_of({{"http_client", {{"token_file", ""}}}}), HasSubstr("http_client.token_file: expected a file"));
  EXPECT_THAT(error_of({{"http_client", {{"insecure", "yes"}}}}),
              HasSubstr("http_client.insecure: expected true or false"));
  EXPECT_THAT(error_of({{"http_client", {{"tls", true}}}}), HasSubstr("http_client.tls: unknown key"));
}

TEST(HttpOptionsTest, TheTokenFileBecomesABearerHeaderWithoutItsNewline) {
  testing::TempDir dir;
  testing::write_file(dir / "tok", std::string(kToken) + "\n");
  HttpClientConfig c{{{"X-Scope-OrgID", "t1"}}, dir / "tok", "--token-file", false};
  auto s = resolve_http_settings(c);
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(s->headers,
            (std::vector<HttpHeader>{{"X-Scope-OrgID", "t1"}, {"Authorization", std::string("Bearer ") + kToken}}));
  EXPECT_FALSE(s->insecure);
}

TEST(HttpOptionsTest, BadTokenFilesAreRefusedWithTheReasonAndNeverTheToken) {
  testing::TempDir dir;
  auto error_of = [&](const HttpClientConfig& c) {
    auto s = resolve_http_settings(c);
    EXPECT_FALSE(s.ok());
    return s.ok() ? std::string() : s.message();
  };
  auto with = [&](const std::string& name) { return HttpClientConfig{{}, dir / name, "--token-file", false}; };
  const std::string d = dir.path().string();
  EXPECT_EQ(error_of(with("missing")), "--token-file \"" + d + "/missing\": no such file");
  testing::write_file(dir / "empty", "\n  \n");
  EXPECT_EQ(error_of(with("empty")), "--token-file \"" + d + "/empty\": the file is empty (expected the token on one line)");
  testing::write_file(dir / "two", std::string(kToken) + "\nsecond-line\n");
  std::string two = error_of(with("two"));
  EXPECT_THAT(two, HasSubstr("the token spans more than one line"));
  EXPECT_THAT(two, Not(HasSubstr(kToken)));
  EXPECT_THAT(error_of(HttpClientConfig{{}, dir.path(), "http_client.token_file", false}),
              HasSubstr("http_client.token_file \"" + d + "\": not a regular file"));
  testing::write_file(dir / "tok", kToken);
  std::string both = error_of(HttpClientConfig{{{"authorization", "Basic x"}}, dir / "tok", "--token-file", false});
  EXPECT_THAT(both, HasSubstr("an Authorization header is given as well"));
  EXPECT_THAT(both, Not(HasSubstr(kToken)));
}

TEST(HttpOptionsTest, AnUnreadableTokenFileIsRefused) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file: the permission check cannot be made";
  testing::TempDir dir;
  testing::write_file(dir / "tok", kToken);
  ASSERT_EQ(::chmod((dir / "tok").c_str(), 0), 0);
  auto s = resolve_http_settings(HttpClientConfig{{}, dir / "tok", "--token-file", false});
  ASSERT_FALSE(s);
  EXPECT_THAT(s.message(), HasSubstr("cannot be read: Permission denied"));
}

TEST(HttpOptionsTest, RunJsonFormRedactsCredentialsAndNeverHoldsTheToken) {
  HttpClientConfig c{{{"X-Scope-OrgID", "t1"},
                      {"Cookie", "sid=abc"},
                      {"X-Api-Key", "k123"},
                      {"Proxy-Authorization", "Basic zz"},
                      {"X-Auth-Token", "tt"}},
                     "/run/secrets/tok",
                     "--token-file",
                     true};
  json j = http_client_to_json(c);
  EXPECT_EQ(j["headers"]["X-Scope-OrgID"], "t1");
  for (const char* h : {"Cookie", "X-Api-Key", "Proxy-Authorization", "X-Auth-Token"})
    EXPECT_EQ(j["headers"][h], "<redacted>") << h;
  EXPECT_EQ(j["token_file"], "/run/secrets/tok");
  EXPECT_EQ(j["insecure"], true);
  // Read back it is a valid http_client object.
  HttpClientConfig back;
  ASSERT_TRUE(apply_http_client_json(j, back).ok());
  EXPECT_EQ(back.token_file, c.token_file);
}

TEST(HttpOptionsTest, SecretHeaderNames) {
  for (const char* n : {"Authorization", "authorization", "Proxy-Authorization", "Cookie", "X-Api-Key", "Api-Key",
                        "X-Auth-Token", "Private-Token", "X-Vault-Token", "X-Session-Id", "X-Client-Secret"})
    EXPECT_TRUE(is_secret_header(n)) << n;
  for (const char* n : {"X-Scope-OrgID", "Accept", "User-Agent", "X-Request-Id", "Host"})
    EXPECT_FALSE(is_secret_header(n)) << n;
}

TEST(HttpOptionsTest, ConfigToJsonKeepsTheTokenOut) {
  testing::TempDir dir;
  testing::write_file(dir / "tok", kToken);
  RunConfig c;
  c.duration = std::chrono::minutes(1);
  c.http_client = HttpClientConfig{{{"Authorization", "Basic Zm9vOmJhcg=="}}, std::nullopt, "--token-file", false};
  json j = config_to_json(c);
  EXPECT_EQ(j["http_client"]["headers"]["Authorization"], "<redacted>");
  c.http_client = HttpClientConfig{{}, dir / "tok", "--token-file", true};
  j = config_to_json(c);
  EXPECT_EQ(j["http_client"]["token_file"], (dir / "tok").string());
  EXPECT_THAT(j.dump(), Not(HasSubstr(kToken)));
  auto w = insecure_warning(c.http_client);
  ASSERT_TRUE(w);
  EXPECT_THAT(*w, HasSubstr("--insecure: TLS certificates and host names are not checked"));
}

}  // namespace
}  // namespace soak
