#include "net/http_response.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <fmt/format.h>

namespace soak {

namespace http = boost::beast::http;

std::string describe_read_error(const boost::system::error_code& ec, bool header_done, size_t max_body) {
  if (ec == http::error::body_limit) return fmt::format("response larger than {} bytes", max_body);
  if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == boost::asio::error::eof)
    return header_done ? "truncated body (connection closed early)" : "connection closed before the response headers";
  if (ec.category() == make_error_code(http::error::bad_version).category()) return "malformed response: " + ec.message();
  return "receive: " + ec.message();
}

HttpResponse to_http_response(http::response<http::string_body>&& res) {
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  out.body = std::move(res.body());
  return out;
}

Result<HttpResponse> parse_http_response(std::string_view raw, size_t max_body) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_body);
  parser.header_limit(kMaxResponseHeaderBytes);
  parser.eager(true);
  boost::system::error_code ec;
  while (!raw.empty() && !parser.is_done()) {
    size_t used = parser.put(boost::asio::buffer(raw.data(), raw.size()), ec);
    if (ec == http::error::need_more) {
      ec = {};
      if (used == 0) break;  // the rest is an incomplete piece: the peer closed
    }
    if (ec) return make_error(describe_read_error(ec, parser.is_header_done(), max_body));
    raw.remove_prefix(used);
  }
  if (!parser.is_done()) {
    // The peer closed: that ends a body delimited by the connection's end.
    if (parser.is_header_done() && parser.need_eof()) parser.put_eof(ec);
    else ec = http::error::partial_message;
    if (ec || !parser.is_done()) return make_error(describe_read_error(ec ? ec : http::error::partial_message, parser.is_header_done(), max_body));
  }
  return to_http_response(parser.release());
}

}  // namespace soak
