#include "probes/prometheus.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace soak {
namespace {

bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool name_char(char c) { return name_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

std::optional<double> parse_value(std::string_view v) {
  if (v == "NaN" || v == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (v == "+Inf" || v == "Inf" || v == "+inf" || v == "inf") return std::numeric_limits<double>::infinity();
  if (v == "-Inf" || v == "-inf") return -std::numeric_limits<double>::infinity();
  if (v.empty()) return std::nullopt;
  std::string s(v);
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return d;
}

MetricType type_from(std::string_view t) {
  if (t == "counter") return MetricType::kCounter;
  if (t == "gauge") return MetricType::kGauge;
  if (t == "histogram") return MetricType::kHistogram;
  if (t == "summary") return MetricType::kSummary;
  if (t == "untyped" || t == "unknown") return MetricType::kUntyped;
  return MetricType::kOther;  // OpenMetrics gaugehistogram, stateset, info
}

std::string unescape_help(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char n = s[++i];
      out += n == 'n' ? '\n' : n;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct LineParser {
  std::string_view s;
  size_t i = 0;
  std::string err;

  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  }
  bool name(std::string& out) {
    if (i >= s.size() || !name_start(s[i])) return false;
    size_t b = i;
    while (i < s.size() && name_char(s[i])) ++i;
    out = std::string(s.substr(b, i - b));
    return true;
  }
  // {a="x",b="y",} with escapes \\ \" \n in values
  bool labels(std::vector<std::pair<std::string, std::string>>& out) {
    ++i;  // '{'
    while (true) {
      ws();
      if (i < s.size() && s[i] == '}') {
        ++i;
        return true;
      }
      std::string key;
      if (!name(key)) return fail("expected a label name");
      ws();
      if (i >= s.size() || s[i] != '=') return fail("expected '=' after label " + key);
      ++i;
      ws();
      if (i >= s.size() || s[i] != '"') return fail("expected '\"' to open the value of label " + key);
      ++i;
      std::string val;
      bool closed = false;
      while (i < s.size()) {
        char c = s[i++];
        if (c == '\\') {
          if (i >= s.size()) break;
          char n = s[i++];
          if (n == 'n') val += '\n';
          else if (n == '\\' || n == '"') val += n;
          else return fail(std::string("invalid escape \\") + n + " in label " + key);
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          val += c;
        }
      }
      if (!closed) return fail("unterminated value of label " + key);
      out.emplace_back(std::move(key), std::move(val));
      ws();
      if (i < s.size() && s[i] == ',') {
        ++i;
        continue;
      }
      if (i < s.size() && s[i] == '}') {
        ++i;
        return true;
      }
      return fail("expected ',' or '}' after label value");
    }
  }
  bool fail(std::string m) {
    err = std::move(m);
    return false;
  }
  std::string_view token() {
    ws();
    size_t b = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    return s.substr(b, i - b);
  }
};

// Family of a sample name: strip histogram/summary/counter suffixes when
// the stripped name is a declared family.
PromFamily* family_for(std::vector<PromFamily>& fams, const std::string& name) {
  auto find = [&](std::string_view n) -> PromFamily* {
    for (auto it = fams.rbegin(); it != fams.rend(); ++it)
      if (it->name == n) return &*it;
    return nullptr;
  };
  if (auto* f = find(name)) return f;
  for (std::string_view suf : {"_bucket", "_sum", "_count", "_total", "_created", "_gsum", "_gcount"}) {
    if (ends_with(name, suf)) {
      if (auto* f = find(std::string_view(name).substr(0, name.size() - suf.size()))) return f;
    }
  }
  return nullptr;
}

}  // namespace

Result<PromExposition> parse_prometheus(std::string_view text) {
  PromExposition ex;
  struct RawTs {
    size_t family, sample;
    double value;
  };
  std::vector<RawTs> raw_ts;
  size_t line_no = 0;
  size_t b = 0;
  auto error = [&](const std::string& reason) {
    return make_error("metrics: line " + std::to_string(line_no) + ": " + reason);
  };
  while (b < text.size()) {
    size_t e = text.find('\n', b);
    if (e == std::string_view::npos) e = text.size();
    std::string_view l = text.substr(b, e - b);
    b = e + 1;
    ++line_no;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    size_t lead = l.find_first_not_of(" \t");
    if (lead == std::string_view::npos) continue;
    l = l.substr(lead);
    if (ex.openmetrics) return error("content after \"# EOF\"");
    if (l[0] == '#') {
      if (l == "# EOF") {
        ex.openmetrics = true;
        continue;
      }
      LineParser p{l, 1};
      std::string_view kw = p.token();
      if (kw != "HELP" && kw != "TYPE") continue;  // a comment
      p.ws();
      std::string name;
      if (!p.name(name)) return error("# " + std::string(kw) + " without a metric name");
      p.ws();
      std::string_view rest = l.substr(p.i);
      PromFamily* f = nullptr;
      for (auto& fam : ex.families)
        if (fam.name == name) f = &fam;
      if (!f) {
        ex.families.push_back(PromFamily{name, MetricType::kUntyped, {}, {}});
        f = &ex.families.back();
      }
      if (kw == "HELP") {
        f->help = unescape_help(rest);
      } else {
        while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
        f->type = type_from(rest);
        if (rest.empty()) return error("# TYPE " + name + " without a type");
      }
      continue;
    }
    LineParser p{l, 0};
    PromSample s;
    if (!p.name(s.name)) return error("expected a metric name, got \"" + std::string(l.substr(0, 40)) + "\"");
    p.ws();
    if (p.i < l.size() && l[p.i] == '{') {
      if (!p.labels(s.labels)) return error(p.err);
    }
    std::string_view v = p.token();
    auto value = parse_value(v);
    if (!value) return error("\"" + std::string(v) + "\" is not a sample value (metric " + s.name + ")");
    s.value = *value;
    p.ws();
    std::string_view ts = p.i < l.size() && l[p.i] == '#' ? std::string_view() : p.token();
    if (!ts.empty()) {
      auto t = parse_value(ts);
      if (!t || !std::isfinite(*t)) return error("\"" + std::string(ts) + "\" is not a timestamp");
      s.timestamp_ms = 0;  // set below, once the format (ms or s) is known
      raw_ts.push_back({ex.families.size(), 0, *t});
    }
    p.ws();
    if (p.i < l.size() && l[p.i] != '#')  // OpenMetrics exemplars start with '#'
      return error("unexpected text after the sample: \"" + std::string(l.substr(p.i)) + "\"");
    PromFamily* f = family_for(ex.families, s.name);
    if (!f) {
      ex.families.push_back(PromFamily{s.name, MetricType::kUntyped, {}, {}});
      f = &ex.families.back();
    }
    if (s.timestamp_ms) {
      raw_ts.back().family = static_cast<size_t>(f - ex.families.data());
      raw_ts.back().sample = f->samples.size();
    }
    f->samples.push_back(std::move(s));
  }
  // OpenMetrics timestamps are seconds (may be fractional); 0.0.4 milliseconds.
  for (const auto& r : raw_ts)
    ex.families[r.family].samples[r.sample].timestamp_ms =
        static_cast<int64_t>(std::llround(ex.openmetrics ? r.value * 1000 : r.value));
  return ex;
}

std::string prom_series_name(const PromSample& s) {
  std::string out = "prom:" + s.name;
  if (s.labels.empty()) return out;
  auto labels = s.labels;
  std::sort(labels.begin(), labels.end());
  out += '{';
  bool first = true;
  for (auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k + "=\"";
    for (char c : v) {
      if (c == '\\') out += "\\\\";
      else if (c == '"') out += "\\\"";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

bool prom_sample_recorded(const PromFamily& family, const PromSample& sample) {
  if (family.type == MetricType::kHistogram || family.type == MetricType::kSummary)
    return ends_with(sample.name, "_sum") || ends_with(sample.name, "_count");
  return !ends_with(sample.name, "_created");
}

}  // namespace soak
