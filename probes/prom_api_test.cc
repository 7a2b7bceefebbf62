#include "probes/prom_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "common/posix.h"

namespace soak {
namespace {

using ::testing::HasSubstr;

TEST(PromMatrix, ParsesARangeAnswer) {
  auto m = parse_prom_matrix(R"({"status":"success","data":{"resultType":"matrix","result":[
    {"metric":{"__name__":"go_goroutines","instance":"a:1","job":"api"},
     "values":[[1700000000,"7"],[1700000001.5,"8"],[1700000003,"NaN"],[1700000004,"+Inf"]]},
    {"metric":{"__name__":"go_goroutines","instance":"b:1","job":"api"},"values":[]}]},
    "warnings":["partial response: store b is down"]})");
  ASSERT_TRUE(m) << m.message();
  ASSERT_EQ(m->series.size(), 2u);
  EXPECT_EQ(m->series[0].labels.at("instance"), "a:1");
  EXPECT_EQ(m->series[0].labels.at("__name__"), "go_goroutines");
  EXPECT_EQ(m->series[0].t, (std::vector<double>{1700000000, 1700000001.5}));  // NaN and Inf dropped
  EXPECT_EQ(m->series[0].v, (std::vector<double>{7, 8}));
  EXPECT_TRUE(m->series[1].t.empty());
  EXPECT_EQ(m->warnings, std::vector<std::string>{"partial response: store b is down"});
}

TEST(PromMatrix, ErrorsSayWhat) {
  auto e = parse_prom_matrix(R"({"status":"error","errorType":"bad_data","error":"parse error at char 5"})");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.message(), "the server says bad_data: parse error at char 5");
  EXPECT_THAT(parse_prom_matrix("<html>404 page not found</html>").message(),
              HasSubstr("not Prometheus API JSON (starts with \"<html>404"));
  EXPECT_THAT(parse_prom_matrix(R"({"status":"success","data":{"resultType":"vector","result":[]}})").message(),
              HasSubstr("expected a matrix result, got \"vector\""));
  EXPECT_THAT(parse_prom_matrix(R"({"status":"success","data":{"resultType":"matrix","result":[
    {"metric":{},"values":[[1,2,3]]}]}})").message(),
              HasSubstr("a point is not [time, \"value\"]"));
}

TEST(PromChunks, OneRequestUpTo11000Points) {
  auto c = plan_prom_chunks(1000, 1000 + 10999, 1);  // 11,000 points exactly
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].start, 1000);
  EXPECT_EQ(c[0].end, 11999);
}

TEST(PromChunks, SplitsOnTheGridWithoutGapsOrOverlap) {
  // 30 s at 2 ms: 15,001 points -> 11,000 + 4,001.
  auto c = plan_prom_chunks(100, 130, 0.002);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_DOUBLE_EQ(c[0].start, 100);
  EXPECT_NEAR(c[0].end, 100 + 10999 * 0.002, 1e-9);
  EXPECT_NEAR(c[1].start, 100 + 11000 * 0.002, 1e-9);
  EXPECT_NEAR(c[1].end, 130, 1e-9);
  // A week at 15 s is 40,321 points: 4 requests.
  EXPECT_EQ(plan_prom_chunks(0, 7 * 86400, 15).size(), 4u);
  EXPECT_EQ(plan_prom_chunks(0, 10, 1, 3).size(), 4u);  // 11 points by 3
  EXPECT_TRUE(plan_prom_chunks(10, 0, 1).empty());
  EXPECT_TRUE(plan_prom_chunks(0, 10, 0).empty());
}

TEST(PromQuery, FormEncodesTheQuery) {
  EXPECT_EQ(prom_form_query({{"query", "up{job=\"a b\"}"}, {"step", "0.5"}}),
            "query=up%7Bjob%3D%22a%20b%22%7D&step=0.5");
}

// A one-shot loopback server that records the request and answers `body`.
class OneShotServer {
 public:
  explicit OneShotServer(std::string body) : body_(std::move(body)) {
    fd_ = Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_.get(), 1);
    socklen_t len = sizeof a;
    ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      Fd c(::accept(fd_.get(), nullptr, nullptr));
      char buf[4096];
      while (request_.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(c.get(), buf, sizeof buf, 0);
        if (n <= 0) return;
        request_.append(buf, static_cast<size_t>(n));
      }
      std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(body_.size()) + "\r\n\r\n" + body_;
      ::send(c.get(), resp.data(), resp.size(), MSG_NOSIGNAL);
    });
  }
  ~OneShotServer() { thread_.join(); }
  int port() const { return port_; }
  const std::string& request() const { return request_; }  // after the client finished

 private:
  std::string body_, request_;
  Fd fd_;
  int port_ = 0;
  std::thread thread_;
};

TEST(PromApi, SendsTheHeadersAndTheEncodedQueryUnderTheBasePath) {
  OneShotServer server(R"({"status":"success","data":{"resultType":"matrix","result":[
    {"metric":{"instance":"a"},"values":[[10,"1"],[11,"2"]]}]}})");
  PromApi api("http://127.0.0.1:" + std::to_string(server.port()) + "/prometheus/", HttpSettings{.headers = {{"X-Scope-OrgID", "t1"}}},
              std::chrono::seconds(5));
  auto m = api.query_range("up{job=\"x\"}", 10, 11, 1);
  ASSERT_TRUE(m) << m.message();
  EXPECT_EQ(m->series.at(0).v, (std::vector<double>{1, 2}));
  EXPECT_EQ(api.requests(), 1u);
  EXPECT_THAT(server.request(),
              HasSubstr("GET /prometheus/api/v1/query_range?query=up%7Bjob%3D%22x%22%7D&start=10.000&end=11.000"
                        "&step=1 HTTP/1.1\r\n"));
  EXPECT_THAT(server.request(), HasSubstr("\r\nX-Scope-OrgID: t1\r\n"));
}

TEST(PromApi, AnUnreachableServerIsAnUnreachableError) {
  // Bind a port and close it: nothing listens there.
  int port = 0;
  {
    OneShotServer s("{}");
    port = s.port();
    EXPECT_TRUE(http_get("http://127.0.0.1:" + std::to_string(port) + "/", std::chrono::seconds(2)));
  }
  PromApi api("http://127.0.0.1:" + std::to_string(port), {}, std::chrono::seconds(2));
  auto m = api.query_matrix("up[1m]", 100);
  ASSERT_FALSE(m);
  EXPECT_EQ(api.last_error_kind(), PromErrorKind::kUnreachable);
  EXPECT_THAT(m.message(), HasSubstr("connect"));
}

TEST(PromApi, FieldsOfTheWrongTypeAreNamedNotThrown) {
  // prom_api_fuzz: "status" holding an object made json::value throw out of
  // parse_prom_matrix (soak fleet ended in std::terminate).
  auto m = parse_prom_matrix(R"({"status":{"data":1},"data":{"resultType":"matrix","result":[]}})");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.message(), "the answer has no \"status\": \"success\"");
  auto e = parse_prom_matrix(R"({"status":"error","errorType":7,"error":["x"]})");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.message(), "the server says error: ");
  auto t = parse_prom_matrix(R"({"status":"success","data":{"resultType":{"a":1},"result":[]}})");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.message(), "expected a matrix result, got \"\"");
}

}  // namespace
}  // namespace soak
