#include "workloads/http_config.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace soak {
namespace {

using json = nlohmann::json;

bool has_ctl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// Path errors are prefixed "<origin>.http.<key>".
class Ctx {
 public:
  explicit Ctx(std::string prefix) : prefix_(std::move(prefix)) {}
  Error err(std::string_view key, std::string_view what) const {
    return make_error(fmt::format("{}.{}: {}", prefix_, key, what));
  }
  std::string path(std::string_view key) const { return fmt::format("{}.{}", prefix_, key); }
  const std::string& prefix() const { return prefix_; }

 private:
  std::string prefix_;
};

Result<double> get_ratio(const Ctx& c, const json& j, std::string_view key) {
  if (!j.is_number() || !std::isfinite(j.get<double>()) || j.get<double>() < 0 || j.get<double>() > 1)
    return c.err(key, fmt::format("{} is not a ratio (expected a number from 0 to 1, e.g. 0.01)", j.dump()));
  return j.get<double>();
}

Result<uint64_t> get_count(const Ctx& c, const json& j, std::string_view key, uint64_t min, uint64_t max) {
  if (!j.is_number_integer() || (j.is_number_unsigned() ? j.get<uint64_t>() < min || j.get<uint64_t>() > max
                                                        : j.get<int64_t>() < static_cast<int64_t>(min) ||
                                                              j.get<int64_t>() > static_cast<int64_t>(max)))
    return c.err(key, fmt::format("{} is not valid (expected an integer from {} to {})", j.dump(), min, max));
  return j.get<uint64_t>();
}

Result<Duration> get_duration(const Ctx& c, const json& j, std::string_view key) {
  if (!j.is_string()) return c.err(key, fmt::format("{} is not a duration (expected a string such as \"50ms\")", j.dump()));
  auto d = parse_duration(j.get<std::string>());
  if (!d) return c.err(key, fmt::format("\"{}\": {}", j.get<std::string>(), d.message()));
  if (d->count() <= 0) return c.err(key, fmt::format("\"{}\": must be more than 0", j.get<std::string>()));
  return *d;
}

Result<std::string> read_body_file(const Ctx& c, const json& j, const std::filesystem::path& base_dir) {
  if (!j.is_string() || j.get<std::string>().empty())
    return c.err("body_file", fmt::format("{} is not a file name (expected a non-empty string)", j.dump()));
  std::filesystem::path p = j.get<std::string>();
  if (p.is_relative() && !base_dir.empty()) p = base_dir / p;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec))
    return c.err("body_file", fmt::format("\"{}\": no such file", p.string()));
  std::ifstream in(p, std::ios::binary);
  if (!in) return c.err("body_file", fmt::format("\"{}\": cannot be read", p.string()));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<HttpRequestSpec> parse_request(const Ctx& c, const json& j, const Url& url,
                                      const std::filesystem::path& base_dir) {
  if (!j.is_object()) return make_error(fmt::format("{}: {} is not an object (expected {{\"method\": ..., \"path\": ...}})", c.prefix(), j.dump()));
  HttpRequestSpec r;
  r.target = url.target;
  bool has_body = false;
  for (const auto& [key, v] : j.items()) {
    if (key == "method") {
      std::string method = v.is_string() ? v.get<std::string>() : "";
      if (method.empty() || !check_header(method, "").ok())  // a method is a token, as a header name
        return c.err(key, fmt::format("{} is not an HTTP method (expected e.g. \"GET\" or \"POST\")", v.dump()));
      r.method = v.get<std::string>();
    } else if (key == "path") {
      if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>()[0] != '/' ||
          has_ctl(v.get<std::string>()) || v.get<std::string>().find(' ') != std::string::npos)
        return c.err(key, fmt::format("{} is not a path (expected a string starting with \"/\", no spaces)", v.dump()));
      r.target = v.get<std::string>();
    } else if (key == "headers") {
      if (!v.is_object()) return c.err(key, fmt::format("{} is not an object (expected {{\"Name\": \"value\"}})", v.dump()));
      for (const auto& [name, value] : v.items()) {
        if (!check_header(name, "").ok()) return c.err(fmt::format("{}.{}", key, name), "not a valid header name");
        if (!value.is_string() || !check_header(name, value.get<std::string>()).ok())
          return c.err(fmt::format("{}.{}", key, name), fmt::format("{} is not a header value (expected a string without line breaks)", value.dump()));
        r.headers.emplace_back(name, value.get<std::string>());
      }
    } else if (key == "body") {
      if (has_body) return c.err(key, "give either body or body_file, not both");
      if (!v.is_string()) return c.err(key, fmt::format("{} is not a string (expected the request body as text)", v.dump()));
      r.body = v.get<std::string>();
      has_body = true;
    } else if (key == "body_file") {
      if (has_body) return c.err(key, "give either body or body_file, not both");
      auto body = read_body_file(c, v, base_dir);
      if (!body) return body.error();
      r.body = std::move(*body);
      has_body = true;
    } else if (key == "expect_status") {
      // A named copy: clang 14 cannot capture a structured binding.
      const std::string& field = key;
      auto one = [&](const json& s) -> Result<int> {
        if (!s.is_number_integer() || s.get<int64_t>() < 100 || s.get<int64_t>() > 599)
          return c.err(field, fmt::format("{} is not a status code (expected an integer from 100 to 599, or a list of them)", s.dump()));
        return static_cast<int>(s.get<int64_t>());
      };
      if (v.is_array()) {
        if (v.empty()) return c.err(key, "empty list (expected at least one status code)");
        for (const auto& s : v) {
          auto code = one(s);
          if (!code) return code.error();
          r.expect_status.push_back(*code);
        }
      } else {
        auto code = one(v);
        if (!code) return code.error();
        r.expect_status.push_back(*code);
      }
    } else if (key == "weight") {
      auto w = get_count(c, v, key, 1, 1000000);
      if (!w) return w.error();
      r.weight = static_cast<uint32_t>(*w);
    } else {
      return c.err(key, "unknown key (expected method, path, headers, body, body_file, expect_status or weight)");
    }
  }
  return r;
}

}  // namespace

Result<HttpLoadConfig> parse_http_load_config(const json& http, std::string_view origin,
                                              const std::filesystem::path& base_dir) {
  Ctx c(fmt::format("{}.http", origin));
  if (!http.is_object())
    return make_error(fmt::format("{}: {} is not an object (expected {{\"url\": \"http://...\", ...}})", c.prefix(), http.dump()));
  HttpLoadConfig cfg;
  auto url = http.find("url");
  if (url == http.end()) return c.err("url", "missing (expected an http:// or https:// URL)");
  if (!url->is_string())
    return c.err("url", fmt::format("{} is not a string (expected an http:// or https:// URL)", url->dump()));
  auto parsed = parse_url(url->get<std::string>());
  if (!parsed) return c.err("url", fmt::format("\"{}\": {}", url->get<std::string>(), parsed.message()));
  cfg.url = std::move(*parsed);
  cfg.url_text = url->get<std::string>();
  bool has_queue_limit = false, has_timeout = false;
  for (const auto& [key, v] : http.items()) {
    if (key == "url") continue;
    if (key == "rate") {
      if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() <= 0 || v.get<double>() > 1e6)
        return c.err(key, fmt::format("{} is not a rate (expected requests per second, a number above 0 and at most 1000000)", v.dump()));
      cfg.rate = v.get<double>();
    } else if (key == "connections") {
      auto n = get_count(c, v, key, 1, 10000);
      if (!n) return n.error();
      cfg.connections = static_cast<int>(*n);
    } else if (key == "requests") {
      if (!v.is_array() || v.empty())
        return c.err(key, fmt::format("{} is not a non-empty list (expected [{{\"method\": ..., \"path\": ...}}])", v.dump()));
      for (size_t i = 0; i < v.size(); ++i) {
        auto r = parse_request(Ctx(c.path(fmt::format("requests[{}]", i))), v[i], cfg.url, base_dir);
        if (!r) return r.error();
        cfg.requests.push_back(std::move(*r));
      }
    } else if (key == "abort_ratio" || key == "timeout_ratio") {
      auto r = get_ratio(c, v, key);
      if (!r) return r.error();
      (key == "abort_ratio" ? cfg.abort_ratio : cfg.timeout_ratio) = *r;
    } else if (key == "timeout") {
      auto d = get_duration(c, v, key);
      if (!d) return d.error();
      cfg.timeout = *d;
      has_timeout = true;
    } else if (key == "request_timeout") {
      auto d = get_duration(c, v, key);
      if (!d) return d.error();
      cfg.request_timeout = *d;
    } else if (key == "churn_every") {
      auto n = get_count(c, v, key, 1, uint64_t{1} << 40);
      if (!n) return n.error();
      cfg.churn_every = *n;
    } else if (key == "queue_limit") {
      auto n = get_count(c, v, key, 1, 10000000);
      if (!n) return n.error();
      cfg.queue_limit = *n;
      has_queue_limit = true;
    } else {
      return c.err(key, "unknown key (expected url, rate, connections, requests, abort_ratio, timeout_ratio, "
                        "timeout, request_timeout, churn_every or queue_limit)");
    }
  }
  if (cfg.timeout_ratio > 0 && !has_timeout)
    return c.err("timeout", "missing: timeout_ratio needs the short client timeout (e.g. \"timeout\": \"50ms\")");
  if (has_timeout && cfg.timeout_ratio == 0)
    return c.err("timeout", "given without timeout_ratio (the share of requests that use it, e.g. 0.01)");
  if (cfg.abort_ratio + cfg.timeout_ratio > 1)
    return c.err("timeout_ratio", fmt::format("abort_ratio + timeout_ratio = {} (expected at most 1)",
                                              cfg.abort_ratio + cfg.timeout_ratio));
  if (cfg.requests.empty()) {
    HttpRequestSpec r;
    r.target = cfg.url.target;
    cfg.requests.push_back(std::move(r));
  }
  if (!has_queue_limit) cfg.queue_limit = std::max<uint64_t>(static_cast<uint64_t>(std::ceil(cfg.rate)), 64);
  return cfg;
}

}  // namespace soak
