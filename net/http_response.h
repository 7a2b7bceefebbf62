// Reading one HTTP/1.1 response: the parser limits and the error sentences
// shared by http_get (which feeds the parser from a socket) and by
// parse_http_response (which feeds it from memory: unit tests and the
// http_response fuzz target). No coroutines here, so the fuzz and sanitizer
// builds instrument it (net/http_client.cc stays uninstrumented under
// clang 14).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include "common/result.h"
#include "net/http_client.h"

namespace soak {

/// Longest response head (status line and headers) read.
inline constexpr size_t kMaxResponseHeaderBytes = 64 * 1024;

/// The sentence for a read that ended with `ec` (not success), given whether
/// the head was complete: "response larger than N bytes", "truncated body
/// (connection closed early)", "connection closed before the response
/// headers", "malformed response: <parser's words>" or "receive: <words>".
std::string describe_read_error(const boost::system::error_code& ec, bool header_done, size_t max_body);

/// A parsed Beast response as soak's HttpResponse (status, headers in order,
/// body with the transfer coding removed).
HttpResponse to_http_response(boost::beast::http::response<boost::beast::http::string_body>&& res);

/// Parses `raw` as everything a peer sent for one GET before closing the
/// connection, with http_get's limits (`max_body`, kMaxResponseHeaderBytes).
/// Errors are describe_read_error's sentences.
Result<HttpResponse> parse_http_response(std::string_view raw, size_t max_body);

}  // namespace soak
