#include "probes/prom_api.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace soak {

using nlohmann::json;

namespace {

// Prometheus sends sample values as strings ("1", "NaN", "+Inf").
bool parse_value(const json& v, double& out) {
  if (v.is_number()) {
    out = v.get<double>();
  } else if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size()) return false;
  } else {
    return false;
  }
  return true;
}

std::string seconds_text(double t) { return fmt::format("{:.3f}", t); }

// o[key] when it is a string, else "" (json::value throws on another type).
std::string text_field(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<PromMatrix> parse_prom_matrix(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    std::string head(body.substr(0, 120));
    for (auto& c : head)
      if (c == '\n' || c == '\r') c = ' ';
    return make_error("the answer is not Prometheus API JSON (starts with \"" + head + "\")");
  }
  std::string status = text_field(j, "status");
  if (status == "error") {
    std::string type = text_field(j, "errorType");
    return make_error(fmt::format("the server says {}: {}", type.empty() ? "error" : type, text_field(j, "error")));
  }
  if (status != "success") return make_error("the answer has no \"status\": \"success\"");
  PromMatrix m;
  if (auto w = j.find("warnings"); w != j.end() && w->is_array())
    for (const auto& x : *w)
      if (x.is_string()) m.warnings.push_back(x.get<std::string>());
  auto data = j.find("data");
  if (data == j.end() || !data->is_object()) return make_error("the answer has no \"data\" object");
  std::string type = text_field(*data, "resultType");
  if (type != "matrix") return make_error("expected a matrix result, got \"" + type + "\"");
  auto result = data->find("result");
  if (result == data->end() || !result->is_array()) return make_error("the answer has no \"data.result\" array");
  for (const auto& r : *result) {
    PromRangeSeries s;
    if (auto metric = r.find("metric"); metric != r.end() && metric->is_object())
      for (const auto& [k, v] : metric->items())
        if (v.is_string()) s.labels[k] = v.get<std::string>();
    auto values = r.find("values");
    if (values == r.end() || !values->is_array()) return make_error("a result series has no \"values\" array");
    for (const auto& p : *values) {
      double t = 0, v = 0;
      if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !parse_value(p[1], v))
        return make_error("a point is not [time, \"value\"]: " + p.dump());
      t = p[0].get<double>();
      if (!std::isfinite(v)) continue;  // JSON downstream has no NaN
      s.t.push_back(t);
      s.v.push_back(v);
    }
    m.series.push_back(std::move(s));
  }
  return m;
}

std::vector<PromChunk> plan_prom_chunks(double start, double end, double step, size_t max_points) {
  std::vector<PromChunk> out;
  if (!(step > 0) || end < start || max_points == 0) return out;
  // Points of the grid start + i*step that lie in [start, end]; a small
  // tolerance keeps an end meant to be on the grid from losing its point.
  auto n = static_cast<size_t>(std::floor((end - start) / step + 1e-9)) + 1;
  for (size_t first = 0; first < n; first += max_points) {
    size_t last = std::min(first + max_points, n) - 1;
    out.push_back({start + static_cast<double>(first) * step, start + static_cast<double>(last) * step});
  }
  return out;
}

std::string prom_form_query(const std::vector<std::pair<std::string, std::string>>& params) {
  auto escape = [](std::string_view s) {
    std::string o;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') o += static_cast<char>(c);
      else o += fmt::format("%{:02X}", c);
    }
    return o;
  };
  std::string q;
  for (const auto& [k, v] : params) {
    if (!q.empty()) q += '&';
    q += escape(k) + "=" + escape(v);
  }
  return q;
}

PromTransport prom_http_transport() {
  return [](const std::string& url, const HttpSettings& http, Duration timeout) -> Result<HttpResponse> {
    return http_get(url, timeout, http,
                    {.accept = "application/json", .max_body = size_t{256} << 20});
  };
}

PromApi::PromApi(std::string base, HttpSettings http, Duration timeout, PromTransport transport)
    : base_(std::move(base)), http_(std::move(http)), timeout_(timeout), transport_(std::move(transport)) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
}

Result<PromMatrix> PromApi::get(const std::string& path,
                                const std::vector<std::pair<std::string, std::string>>& params) {
  std::string url = base_ + path + "?" + prom_form_query(params);
  ++requests_;
  auto r = transport_(url, http_, timeout_);
  if (!r) {
    last_kind_ = PromErrorKind::kUnreachable;
    return r.error();
  }
  auto m = parse_prom_matrix(r->body);
  // 400 (bad_data) and 422 (execution) are answers about the query; anything
  // else that is not a success is about the server (auth, proxy, overload).
  bool query_rejected = (r->status == 400 || r->status == 422) && !m;
  if (r->status >= 200 && r->status <= 299 && m) return m;
  last_kind_ = query_rejected ? PromErrorKind::kBadQuery : PromErrorKind::kUnreachable;
  std::string shown = base_ + path;
  if (!m) return make_error(fmt::format("{}: HTTP {}: {}", shown, r->status, m.message()));
  return make_error(fmt::format("{}: HTTP {}", shown, r->status));
}

Result<PromMatrix> PromApi::query_range(const std::string& query, double start, double end, double step) {
  PromMatrix out;
  std::map<std::map<std::string, std::string>, size_t> index;  // labels -> position in out.series
  for (const PromChunk& c : plan_prom_chunks(start, end, step, max_points_)) {
    chunks_.push_back(c);
    auto m = get("/api/v1/query_range", {{"query", query},
                                         {"start", seconds_text(c.start)},
                                         {"end", seconds_text(c.end)},
                                         {"step", fmt::format("{}", step)}});
    if (!m) return make_error(fmt::format("query {}: {}", query, m.message()));
    for (auto& w : m->warnings)
      if (std::find(out.warnings.begin(), out.warnings.end(), w) == out.warnings.end())
        out.warnings.push_back(std::move(w));
    for (auto& s : m->series) {
      auto [it, fresh] = index.try_emplace(s.labels, out.series.size());
      if (fresh) {
        out.series.push_back(std::move(s));
        continue;
      }
      auto& into = out.series[it->second];
      into.t.insert(into.t.end(), s.t.begin(), s.t.end());
      into.v.insert(into.v.end(), s.v.begin(), s.v.end());
    }
  }
  return out;
}

Result<PromMatrix> PromApi::query_matrix(const std::string& query, double time) {
  auto m = get("/api/v1/query", {{"query", query}, {"time", seconds_text(time)}});
  if (!m) return make_error(fmt::format("query {}: {}", query, m.message()));
  return m;
}

}  // namespace soak
