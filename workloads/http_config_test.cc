#include "workloads/http_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/testing.h"
#include "workloads/http_load.h"

namespace soak {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

std::string error_of(const json& http) {
  auto r = parse_http_load_config(http, "workloads[0]");
  EXPECT_FALSE(r.ok()) << http.dump();
  return r.ok() ? "" : r.message();
}

TEST(HttpLoadConfig, TakesHttpsAndIpv6Urls) {
  auto c = parse_http_load_config(json{{"url", "https://[::1]:9443/api?x=1"}}, "--workload");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_TRUE(c->url.https);
  EXPECT_EQ(c->url.host, "::1");
  EXPECT_EQ(c->url.port, 9443);
  EXPECT_EQ(c->requests[0].target, "/api?x=1");
}

TEST(HttpLoadConfig, DefaultsFromAUrlAlone) {
  auto c = parse_http_load_config(json{{"url", "http://127.0.0.1:9000/api"}}, "--workload");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->rate, 100);
  EXPECT_EQ(c->connections, 8);
  ASSERT_EQ(c->requests.size(), 1u);
  EXPECT_EQ(c->requests[0].method, "GET");
  EXPECT_EQ(c->requests[0].target, "/api");
  EXPECT_TRUE(c->requests[0].expect_status.empty());
  EXPECT_EQ(c->queue_limit, 100u);
  EXPECT_EQ(c->churn_every, 0u);
}

TEST(HttpLoadConfig, FullSpec) {
  testing::TempDir dir;
  testing::write_file(dir / "body.json", "{\"a\":1}");
  json http = {{"url", "http://127.0.0.1:9000/"},
               {"rate", 250.5},
               {"connections", 3},
               {"requests",
                {{{"method", "POST"}, {"path", "/p"}, {"headers", {{"X-A", "b"}}}, {"body_file", "body.json"},
                  {"expect_status", {200, 201}}, {"weight", 3}},
                 {{"path", "/q"}, {"body", "hi"}, {"expect_status", 204}}}},
               {"abort_ratio", 0.1},
               {"timeout_ratio", 0.05},
               {"timeout", "50ms"},
               {"request_timeout", "5s"},
               {"churn_every", 7},
               {"queue_limit", 10}};
  auto c = parse_http_load_config(http, "workloads[2]", dir.path());
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->rate, 250.5);
  EXPECT_EQ(c->connections, 3);
  ASSERT_EQ(c->requests.size(), 2u);
  EXPECT_EQ(c->requests[0].body, "{\"a\":1}");
  EXPECT_EQ(c->requests[0].weight, 3u);
  EXPECT_EQ(c->requests[0].expect_status, (std::vector<int>{200, 201}));
  EXPECT_EQ(c->requests[0].headers.at(0).first, "X-A");
  EXPECT_EQ(c->requests[1].method, "GET");
  EXPECT_EQ(c->requests[1].target, "/q");
  EXPECT_EQ(c->timeout, std::chrono::milliseconds(50));
  EXPECT_EQ(c->request_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c->churn_every, 7u);
  EXPECT_EQ(c->queue_limit, 10u);
}

TEST(HttpLoadConfig, ErrorsNameThePathAndWhatWasExpected) {
  json base = {{"url", "http://127.0.0.1:9000/"}};
  auto with = [&](const char* key, json v) {
    json j = base;
    j[key] = std::move(v);
    return error_of(j);
  };
  EXPECT_THAT(error_of(json::object()), HasSubstr("workloads[0].http.url: missing"));
  EXPECT_THAT(error_of(json{{"url", 5}}), HasSubstr("workloads[0].http.url: 5 is not a string"));
  EXPECT_THAT(error_of(json{{"url", "ftp://x/"}}), HasSubstr("workloads[0].http.url: \"ftp://x/\": scheme \"ftp\" is not supported"));
  EXPECT_THAT(error_of(json{{"url", "http://[::1"}}), HasSubstr("workloads[0].http.url: \"http://[::1\": not a valid URL"));
  EXPECT_THAT(with("bogus", 1), HasSubstr("workloads[0].http.bogus: unknown key"));
  EXPECT_THAT(with("rate", -1), HasSubstr("workloads[0].http.rate: -1 is not a rate"));
  EXPECT_THAT(with("rate", "100"), HasSubstr("workloads[0].http.rate: \"100\" is not a rate"));
  EXPECT_THAT(with("connections", 0), HasSubstr("workloads[0].http.connections: 0 is not valid (expected an integer from 1"));
  EXPECT_THAT(with("connections", 2.5), HasSubstr("connections: 2.5 is not valid"));
  EXPECT_THAT(with("abort_ratio", 1.5), HasSubstr("abort_ratio: 1.5 is not a ratio"));
  EXPECT_THAT(with("timeout_ratio", 0.1), HasSubstr("workloads[0].http.timeout: missing"));
  EXPECT_THAT(with("timeout", "50ms"), HasSubstr("given without timeout_ratio"));
  EXPECT_THAT(with("request_timeout", "5 parsecs"), HasSubstr("workloads[0].http.request_timeout: \"5 parsecs\""));
  EXPECT_THAT(with("churn_every", 0), HasSubstr("churn_every: 0 is not valid"));
  EXPECT_THAT(with("queue_limit", "big"), HasSubstr("queue_limit: \"big\" is not valid"));
  EXPECT_THAT(with("requests", json::array()), HasSubstr("requests: [] is not a non-empty list"));
  EXPECT_THAT(with("requests", json::array({{{"bogus", 1}}})),
              HasSubstr("workloads[0].http.requests[0].bogus: unknown key"));
  EXPECT_THAT(with("requests", json::array({{{"path", "/"}}, {{"method", "GE T"}}})),
              HasSubstr("workloads[0].http.requests[1].method: \"GE T\" is not an HTTP method"));
  EXPECT_THAT(with("requests", json::array({{{"path", "api"}}})),
              HasSubstr("requests[0].path: \"api\" is not a path"));
  EXPECT_THAT(with("requests", json::array({{{"expect_status", 700}}})),
              HasSubstr("requests[0].expect_status: 700 is not a status code"));
  EXPECT_THAT(with("requests", json::array({{{"headers", {{"X", "a\r\nEvil: 1"}}}}})),
              HasSubstr("requests[0].headers.X"));
  EXPECT_THAT(with("requests", json::array({{{"body_file", "/nonexistent/body.json"}}})),
              HasSubstr("requests[0].body_file: \"/nonexistent/body.json\": no such file"));
  EXPECT_THAT(with("requests", json::array({{{"body", "x"}, {"body_file", "y"}}})),
              HasSubstr("give either body or body_file"));
  EXPECT_THAT(with("requests", json::array({{{"weight", 0}}})), HasSubstr("requests[0].weight: 0 is not valid"));
  json both = base;
  both["abort_ratio"] = 0.7;
  both["timeout_ratio"] = 0.6;
  both["timeout"] = "10ms";
  EXPECT_THAT(error_of(both), HasSubstr("abort_ratio + timeout_ratio"));
}

TEST(HttpLoadConfig, ValidateWorkloadUsesTheSpecOrigin) {
  WorkloadSpec spec;
  spec.kind = WorkloadSpec::Kind::kHttp;
  spec.origin = "--workload";
  spec.http = json{{"url", "http://127.0.0.1:1/"}, {"rate", 0}};
  auto s = validate_http_workload(spec);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("--workload.http.rate: 0 is not a rate"));
  spec.http["rate"] = 10;
  EXPECT_TRUE(validate_http_workload(spec).ok());
  EXPECT_TRUE(make_http_workload(spec).ok());
}

}  // namespace
}  // namespace soak
