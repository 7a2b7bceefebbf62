// The configuration of the built-in HTTP load (spec.http), parsed and checked.
//
//   {"url": "http://127.0.0.1:8080/api",   required; http:// or https://
//    "rate": 100,                           requests per second (open model)
//    "connections": 8,                      keep-alive connection pool size
//    "requests": [{"method": "POST", "path": "/api", "headers": {"K": "V"},
//                  "body": "..." | "body_file": "req.json",
//                  "expect_status": 200 | [200, 201],   default: any 2xx
//                  "weight": 3}],           default: one GET of url
//    "abort_ratio": 0.01,                   share closed before the response
//    "timeout_ratio": 0.01, "timeout": "50ms",   share with a short client timeout
//    "request_timeout": "30s",              every other request
//    "churn_every": 100,                    new connection every N requests
//    "queue_limit": 1000}                   due-but-unsent requests kept (default: max(rate x 1 s, 64))
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "common/units.h"
#include "net/http_client.h"
#include "net/url.h"

namespace soak {

struct HttpRequestSpec {
  std::string method = "GET";
  std::string target;  // path and query, "/api?x=1"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<int> expect_status;  // empty = any 2xx
  uint32_t weight = 1;
};

struct HttpLoadConfig {
  Url url;
  std::string url_text;
  /// The run's --header, --token-file and --insecure (not from spec.http):
  /// its headers go with every request unless the request sets the same name.
  HttpSettings client;
  double rate = 100;
  int connections = 8;
  std::vector<HttpRequestSpec> requests;  // never empty after parsing
  double abort_ratio = 0;
  double timeout_ratio = 0;
  Duration timeout{};                     // the short one (timeout_ratio)
  Duration request_timeout = std::chrono::seconds(30);
  uint64_t churn_every = 0;               // 0 = never
  uint64_t queue_limit = 0;               // resolved: never 0 after parsing
};

/// Parses and checks `http` (spec.http). Errors name `<origin>.http.<key>`
/// and what was expected. body_file is read relative to `base_dir` when
/// relative.
Result<HttpLoadConfig> parse_http_load_config(const nlohmann::json& http, std::string_view origin,
                                              const std::filesystem::path& base_dir = {});

}  // namespace soak
