#include "net/http_response.h"

#include <string>

#include <gtest/gtest.h>

namespace soak {
namespace {

TEST(HttpResponse, ChunkedBodyIsDecodedAndHeadersKeptInOrder) {
  auto r = parse_http_response(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
      1024);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world");
  ASSERT_EQ(r->headers.size(), 3u);
  EXPECT_EQ(r->headers[2].first, "X-A");
  EXPECT_EQ(r->header("content-type"), "text/plain");
}

TEST(HttpResponse, ABodyEndedByTheConnectionIsComplete) {
  auto r = parse_http_response("HTTP/1.0 503 Service Unavailable\r\n\r\nbusy", 1024);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "busy");
}

TEST(HttpResponse, EachFailureHasItsSentence) {
  EXPECT_EQ(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 1024).message(),
            "truncated body (connection closed early)");
  EXPECT_EQ(parse_http_response("HTTP/1.1 200 OK\r\nContent-Le", 1024).message(),
            "connection closed before the response headers");
  EXPECT_EQ(parse_http_response("", 1024).message(), "connection closed before the response headers");
  EXPECT_EQ(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 2048\r\n\r\n" + std::string(2048, 'x'), 1024).message(),
            "response larger than 1024 bytes");
  auto bad = parse_http_response("SMTP ready\r\n\r\n", 1024);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message().rfind("malformed response: ", 0), 0u) << bad.message();
  // A head larger than the limit is refused, not buffered without end.
  auto huge = parse_http_response("HTTP/1.1 200 OK\r\nX: " + std::string(kMaxResponseHeaderBytes, 'a') + "\r\n\r\n", 1024);
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.message().rfind("malformed response: ", 0), 0u) << huge.message();
}

}  // namespace
}  // namespace soak
