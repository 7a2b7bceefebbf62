// The JSON config file (DESIGN.md section 4) into RunConfig.
//
// Every key is checked: an unknown key is an error naming its path
// ("probes.gc_trace: unknown key"), a value of the wrong type names the path,
// what was expected and what was given ("duration: expected a string like
// \"2h\", got 7200"). docs/soak.schema.json describes the same keys; a test
// keeps the two in step.
#include "harness/config.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "net/url.h"

namespace soak {

using nlohmann::json;

namespace {

std::string shown(const json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

Error wrong_type(const std::string& path, std::string_view expected, const json& v) {
  return make_error(fmt::format("{}: expected {}, got {}", path, expected, shown(v)));
}

Status check_keys(const json& obj, const std::string& prefix,
                  std::initializer_list<std::string_view> allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool known = false;
    for (auto a : allowed) known = known || it.key() == a;
    if (!known) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return make_error(fmt::format("{}{}: unknown key (expected one of: {})", prefix, it.key(), list));
    }
  }
  return Status::Ok();
}

Result<std::string> get_string(const json& v, const std::string& path, std::string_view example) {
  if (!v.is_string()) return wrong_type(path, fmt::format("a string like \"{}\"", example), v);
  return v.get<std::string>();
}

Result<Duration> get_duration(const json& v, const std::string& path, std::string_view example) {
  auto s = get_string(v, path, example);
  if (!s) return s.error();
  auto d = parse_duration(*s);
  if (!d) return make_error(fmt::format("{}: \"{}\": {}", path, *s, d.message()));
  return *d;
}

// obj[key], when present, into `field` (a Duration or an optional one).
template <class Field>
Status take_duration(const json& obj, const char* key, const std::string& path, std::string_view example,
                     Field& field) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::Ok();
  auto d = get_duration(*it, path, example);
  if (!d) return d.error();
  field = *d;
  return Status::Ok();
}

Result<bool> get_bool(const json& v, const std::string& path) {
  if (!v.is_boolean()) return wrong_type(path, "true or false", v);
  return v.get<bool>();
}

Result<std::string> get_url(const json& v, const std::string& path) {
  auto s = get_string(v, path, "http://127.0.0.1:8080");
  if (!s) return s.error();
  if (auto u = parse_url(*s); !u) return make_error(fmt::format("{}: \"{}\": {}", path, *s, u.message()));
  return *s;
}

Status apply_sut(const json& sut, RunConfig& c) {
  if (!sut.is_object()) return wrong_type("sut", "an object", sut);
  SOAK_TRY(check_keys(sut, "sut.", {"command", "cwd", "env", "ready", "ready_timeout", "log_limit", "memory_limit",
                                     "nofile"}));
  if (auto it = sut.find("command"); it != sut.end()) {
    c.command.clear();
    if (it->is_string()) {
      // A single string is a shell command line, as in a CI script.
      if (it->get<std::string>().empty()) return make_error("sut.command: empty command");
      c.command = {"/bin/sh", "-c", it->get<std::string>()};
    } else if (it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        const auto& a = (*it)[i];
        if (!a.is_string())
          return wrong_type(fmt::format("sut.command[{}]", i), "a string", a);
        c.command.push_back(a.get<std::string>());
      }
      if (c.command.empty()) return make_error("sut.command: empty command (expected [\"./server\", ARGS...])");
    } else {
      return wrong_type("sut.command", "an array of strings like [\"./server\", \"--port\", \"8080\"]", *it);
    }
  }
  if (auto it = sut.find("cwd"); it != sut.end()) {
    auto s = get_string(*it, "sut.cwd", ".");
    if (!s) return s.error();
    c.cwd = *s;
  }
  if (auto it = sut.find("env"); it != sut.end()) {
    if (!it->is_object()) return wrong_type("sut.env", "an object like {\"GOMAXPROCS\": \"2\"}", *it);
    for (auto e = it->begin(); e != it->end(); ++e) {
      if (!e.value().is_string())
        return wrong_type("sut.env." + e.key(), "a string", e.value());
      c.env[e.key()] = e.value().get<std::string>();
    }
  }
  if (auto it = sut.find("ready"); it != sut.end()) {
    auto s = get_string(*it, "sut.ready", "http://127.0.0.1:8080/healthz");
    if (!s) return s.error();
    auto r = parse_ready_spec(*s);
    if (!r) return make_error(fmt::format("sut.ready: \"{}\": {}", *s, r.message()));
    c.ready = *r;
  }
  SOAK_TRY(take_duration(sut, "ready_timeout", "sut.ready_timeout", "60s", c.ready_timeout));
  if (auto it = sut.find("log_limit"); it != sut.end()) {
    if (it->is_number()) {
      c.sut_log_limit_bytes = it->get<double>();
    } else {
      auto s = get_string(*it, "sut.log_limit", "64MiB");
      if (!s) return s.error();
      auto v = parse_size(*s);
      if (!v) return make_error(fmt::format("sut.log_limit: \"{}\": {}", *s, v.message()));
      c.sut_log_limit_bytes = *v;
    }
    if (!(c.sut_log_limit_bytes > 0))
      return make_error(fmt::format("sut.log_limit: {}: expected a size above 0", shown(*it)));
  }
  if (auto it = sut.find("memory_limit"); it != sut.end()) {
    double v = 0;
    if (it->is_number()) {
      v = it->get<double>();
    } else {
      auto s = get_string(*it, "sut.memory_limit", "256MiB");
      if (!s) return s.error();
      auto parsed = parse_size(*s);
      if (!parsed) return make_error(fmt::format("sut.memory_limit: \"{}\": {}", *s, parsed.message()));
      v = *parsed;
    }
    if (auto st = check_memory_limit(v); !st)
      return make_error(fmt::format("sut.memory_limit: {}: {}", shown(*it), st.message()));
    c.memory_limit_bytes = v;
  }
  if (auto it = sut.find("nofile"); it != sut.end()) {
    if (!it->is_number_integer() || it->get<long long>() < 1)
      return wrong_type("sut.nofile", "a whole number of file descriptors >= 1, like 1024", *it);
    c.nofile = it->get<uint64_t>();
  }
  return Status::Ok();
}

Status apply_workloads(const json& w, RunConfig& c) {
  if (!w.is_array())
    return wrong_type("workloads", "an array like [{\"http\": {\"url\": \"http://...\"}}]", w);
  c.workloads.clear();
  for (size_t i = 0; i < w.size(); ++i) {
    std::string path = fmt::format("workloads[{}]", i);
    const auto& e = w[i];
    if (!e.is_object() || e.size() != 1)
      return wrong_type(path, "an object with one key, \"http\" or \"cmd\"", e);
    SOAK_TRY(check_keys(e, path + ".", {"http", "cmd"}));
    WorkloadSpec spec;
    spec.origin = path;
    if (auto h = e.find("http"); h != e.end()) {
      spec.kind = WorkloadSpec::Kind::kHttp;
      if (h->is_string()) {
        spec.http = json{{"url", h->get<std::string>()}};  // shorthand: just the URL
      } else if (h->is_object()) {
        spec.http = *h;  // passed through; validate_http_workload checks it
      } else {
        return wrong_type(path + ".http", "an object like {\"url\": \"http://...\", \"rate\": 100}", *h);
      }
      spec.origin = path + ".http";
    } else {
      const auto& cmd = e.at("cmd");
      auto s = get_string(cmd, path + ".cmd", "wrk -t2 -c16 -d{duration_s}s http://127.0.0.1:8080/");
      if (!s) return s.error();
      spec.kind = WorkloadSpec::Kind::kCmd;
      spec.cmd = *s;
      spec.origin = path + ".cmd";
    }
    c.workloads.push_back(std::move(spec));
  }
  return Status::Ok();
}

Status apply_probes(const json& p, RunConfig& c) {
  if (!p.is_object()) return wrong_type("probes", "an object", p);
  SOAK_TRY(check_keys(p, "probes.", {"go", "gctrace", "metrics", "pss_interval", "go_interval", "go_live_heap", "metrics_interval", "native_heap",
                                        "metrics_max_series"}));
  if (auto it = p.find("go"); it != p.end()) {
    auto s = get_url(*it, "probes.go");
    if (!s) return s.error();
    c.go_url = *s;
  }
  if (auto it = p.find("gctrace"); it != p.end()) {
    auto b = get_bool(*it, "probes.gctrace");
    if (!b) return b.error();
    c.gctrace = *b;
  }
  if (auto it = p.find("metrics"); it != p.end()) {
    auto s = get_url(*it, "probes.metrics");
    if (!s) return s.error();
    c.metrics_url = *s;
  }
  if (auto it = p.find("native_heap"); it != p.end()) {
    if (!it->is_string()) return wrong_type("probes.native_heap", "a string (auto, on or off)", *it);
    auto m = parse_native_heap_mode(it->get<std::string>());
    if (!m) return make_error(fmt::format("probes.native_heap \"{}\": {}", it->get<std::string>(), m.message()));
    c.native_heap.mode = *m;
  }
  SOAK_TRY(take_duration(p, "go_interval", "probes.go_interval", "5s", c.go_interval));
  if (auto it = p.find("go_live_heap"); it != p.end()) {
    if (it->is_string() && *it == "off") {
      c.go_live_heap = Duration::zero();
    } else {
      auto d = get_duration(*it, "probes.go_live_heap", "30s\" or \"off");
      if (!d) return d.error();
      if (*d <= Duration::zero())
        return make_error(fmt::format("probes.go_live_heap: \"{}\": must be positive (or \"off\")", it->get<std::string>()));
      c.go_live_heap = *d;
    }
  }
  SOAK_TRY(take_duration(p, "metrics_interval", "probes.metrics_interval", "1s", c.metrics_interval));
  if (auto it = p.find("metrics_max_series"); it != p.end()) {
    if (!it->is_number_integer() || it->get<long long>() < 1)
      return wrong_type("probes.metrics_max_series", "a whole number of series >= 1, like 500", *it);
    c.metrics_max_series = it->get<size_t>();
  }
  SOAK_TRY(take_duration(p, "pss_interval", "probes.pss_interval", "30s", c.pss_interval));
  return Status::Ok();
}

Status apply_budgets(const json& b, RunConfig& c) {
  std::vector<Budget> out;
  std::map<std::string, std::string> origins;
  auto add = [&](const std::string& path, const std::string& spec) -> Status {
    auto r = parse_budget(spec);
    if (!r) return make_error(fmt::format("{}: \"{}\": {}", path, spec, r.message()));
    out.push_back(*r);
    origins[spec] = path;
    return Status::Ok();
  };
  if (b.is_array()) {
    for (size_t i = 0; i < b.size(); ++i) {
      std::string path = fmt::format("budgets[{}]", i);
      auto s = get_string(b[i], path, "rss=2MiB/h");
      if (!s) return s.error();
      SOAK_TRY(add(path, *s));
    }
  } else if (b.is_object()) {
    for (auto it = b.begin(); it != b.end(); ++it) {
      std::string path = "budgets." + it.key();
      // "2MiB/h" -> rss=2MiB/h; "<=512MiB" -> rss<=512MiB; ">=7d" -> rss>=7d.
      auto one = [&](const std::string& p, const json& v) -> Status {
        auto s = get_string(v, p, "2MiB/h");
        if (!s) return s.error();
        std::string spec = s->starts_with("<=") || s->starts_with(">=") ? it.key() + *s : it.key() + "=" + *s;
        return add(p, spec);
      };
      if (it.value().is_array()) {
        for (size_t i = 0; i < it.value().size(); ++i)
          SOAK_TRY(one(fmt::format("{}[{}]", path, i), it.value()[i]));
      } else {
        SOAK_TRY(one(path, it.value()));
      }
    }
  } else {
    return wrong_type("budgets", "an object like {\"rss\": \"2MiB/h\"} or an array of specs", b);
  }
  c.budgets = std::move(out);
  c.budget_origins = std::move(origins);
  return Status::Ok();
}

}  // namespace

Result<ReadySpec> parse_ready_spec(std::string_view text) {
  ReadySpec r;
  r.text = std::string(text);
  if (text.starts_with("tcp:")) {
    r.kind = ReadySpec::Kind::kTcp;
    std::string_view rest = text.substr(4);
    size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
      return make_error("expected tcp:HOST:PORT (e.g. tcp:127.0.0.1:8080)");
    r.host = std::string(rest.substr(0, colon));
    if (r.host.size() > 2 && r.host.front() == '[' && r.host.back() == ']')
      r.host = r.host.substr(1, r.host.size() - 2);
    std::string_view port = rest.substr(colon + 1);
    int p = 0;
    bool digits = !port.empty() && port.size() <= 5;
    for (char ch : port) {
      digits = digits && ch >= '0' && ch <= '9';
      if (digits) p = p * 10 + (ch - '0');
    }
    if (!digits || p < 1 || p > 65535)
      return make_error(fmt::format("port \"{}\" is not a number from 1 to 65535", port));
    r.port = p;
    return r;
  }
  if (text.starts_with("http://") || text.starts_with("https://")) {
    if (auto u = parse_url(text); !u) return u.error();
    r.kind = ReadySpec::Kind::kHttp;
    r.url = std::string(text);
    return r;
  }
  if (text.starts_with("log:")) {
    r.kind = ReadySpec::Kind::kLog;
    r.regex = std::string(text.substr(4));
    if (r.regex.empty()) return make_error("empty regular expression after log:");
    re2::RE2 re(r.regex, log_regex_options());
    if (!re.ok())
      return make_error(fmt::format("invalid regular expression \"{}\": {}", r.regex, re.error()));
    return r;
  }
  return make_error("expected tcp:HOST:PORT, http[s]://HOST:PORT/PATH or log:REGEX");
}

re2::RE2::Options log_regex_options() {
  re2::RE2::Options o;
  o.set_log_errors(false);
  return o;
}

Result<Style> parse_style(std::string_view text) {
  if (text == "auto") return Style::kAuto;
  if (text == "basic") return Style::kBasic;
  if (text == "none") return Style::kNone;
  return make_error("expected auto, basic or none");
}

std::string_view to_string(Style s) {
  switch (s) {
    case Style::kAuto: return "auto";
    case Style::kBasic: return "basic";
    case Style::kNone: return "none";
  }
  return "auto";
}

Status apply_config_json(const json& j, RunConfig& c) {
  if (!j.is_object()) return wrong_type("config", "a JSON object", j);
  SOAK_TRY(check_keys(j, "", {"$schema", "sut", "duration", "warmup", "interval", "workloads", "probes",
                              "budgets", "confidence", "strict", "fail_fast", "out", "style", "history",
                              "http_client"}));
  if (auto it = j.find("sut"); it != j.end()) SOAK_TRY(apply_sut(*it, c));
  SOAK_TRY(take_duration(j, "duration", "duration", "2h", c.duration));
  if (auto it = j.find("warmup"); it != j.end()) {
    if (it->is_string() && it->get<std::string>() == "auto") {
      c.warmup.reset();
    } else {
      auto d = get_duration(*it, "warmup", "10m\" or \"auto");
      if (!d) return d.error();
      c.warmup = *d;
    }
  }
  SOAK_TRY(take_duration(j, "interval", "interval", "1s", c.interval));
  if (auto it = j.find("workloads"); it != j.end()) SOAK_TRY(apply_workloads(*it, c));
  if (auto it = j.find("probes"); it != j.end()) SOAK_TRY(apply_probes(*it, c));
  if (auto it = j.find("budgets"); it != j.end()) SOAK_TRY(apply_budgets(*it, c));
  if (auto it = j.find("confidence"); it != j.end()) {
    if (!it->is_number()) return wrong_type("confidence", "a number like 0.99", *it);
    c.confidence = it->get<double>();
    if (!(c.confidence > 0.5 && c.confidence < 1))
      return make_error(fmt::format("confidence: {}: expected a number between 0.5 and 1 (exclusive), e.g. 0.99",
                                    shown(*it)));
  }
  if (auto it = j.find("strict"); it != j.end()) {
    auto b = get_bool(*it, "strict");
    if (!b) return b.error();
    c.strict = *b;
  }
  if (auto it = j.find("fail_fast"); it != j.end()) {
    auto b = get_bool(*it, "fail_fast");
    if (!b) return b.error();
    c.fail_fast = *b;
  }
  if (auto it = j.find("history"); it != j.end()) {
    auto h = history_settings_from_json(*it, c.history ? *c.history : HistorySettings{});
    if (!h) return h.error();
    c.history = *h;
  }
  if (auto it = j.find("http_client"); it != j.end()) SOAK_TRY(apply_http_client_json(*it, c.http_client));
  if (auto it = j.find("out"); it != j.end()) {
    auto s = get_string(*it, "out", "soak-out");
    if (!s) return s.error();
    if (s->empty()) return make_error("out: empty path (expected a directory such as \"soak-out\")");
    c.out = *s;
  }
  if (auto it = j.find("style"); it != j.end()) {
    auto s = get_string(*it, "style", "auto");
    if (!s) return s.error();
    auto st = parse_style(*s);
    if (!st) return make_error(fmt::format("style: \"{}\": {}", *s, st.message()));
    c.style = *st;
  }
  return Status::Ok();
}

Status load_config_file(const std::filesystem::path& file, RunConfig& config) {
  std::ifstream in(file);
  if (!in) return make_error(fmt::format("--config {}: cannot open the file", file.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
  if (j.is_discarded()) {
    // Parse again with exceptions for the position of the error.
    try {
      json again = json::parse(ss.str(), nullptr, true, true);
      (void)again;
    } catch (const json::parse_error& e) {
      return make_error(fmt::format("--config {}: not valid JSON: {}", file.string(), e.what()));
    }
    return make_error(fmt::format("--config {}: not valid JSON", file.string()));
  }
  config.config_file = file;
  auto st = apply_config_json(j, config);
  if (!st) return make_error(fmt::format("{}: {}", file.string(), st.message()));
  return Status::Ok();
}

namespace {
// Durations written back exactly ("1500ms", not a rounded "2s"), so the
// resolved config read again gives the same run.
std::string exact_duration(Duration d) {
  if (d.count() % 1'000'000'000 == 0) return format_duration(d);
  return fmt::format("{:g}ms", static_cast<double>(d.count()) / 1e6);
}
}  // namespace

json config_to_json(const RunConfig& c) {
  json budgets = json::array();
  for (const auto& b : c.budgets) budgets.push_back(b.spec);
  json workloads = json::array();
  for (const auto& w : c.workloads) {
    if (w.kind == WorkloadSpec::Kind::kHttp) workloads.push_back(json{{"http", w.http}});
    else workloads.push_back(json{{"cmd", w.cmd}});
  }
  // Unset optional keys are left out, so the result is itself a valid config.
  json sut{{"cwd", c.cwd.string()},
           {"env", c.env},
           {"ready_timeout", exact_duration(c.ready_timeout)},
           {"log_limit", c.sut_log_limit_bytes}};
  if (c.memory_limit_bytes) sut["memory_limit"] = *c.memory_limit_bytes;
  if (c.nofile) sut["nofile"] = *c.nofile;
  if (!c.command.empty()) sut["command"] = c.command;  // none: a service soak does not launch
  if (c.ready) sut["ready"] = c.ready->text;
  json probes{{"gctrace", c.gctrace},
              {"pss_interval", exact_duration(c.pss_interval)},
              {"native_heap", to_string(c.native_heap.mode)}};
  if (c.go_url) probes["go"] = *c.go_url;
  if (c.metrics_url) probes["metrics"] = *c.metrics_url;
  if (c.go_interval) probes["go_interval"] = exact_duration(*c.go_interval);
  if (c.go_live_heap)
    probes["go_live_heap"] = *c.go_live_heap > Duration::zero() ? json(exact_duration(*c.go_live_heap)) : json("off");
  if (c.metrics_interval) probes["metrics_interval"] = exact_duration(*c.metrics_interval);
  if (c.metrics_url) probes["metrics_max_series"] = c.metrics_max_series;
  json j{{"sut", sut},
              {"duration", exact_duration(c.duration)},
              {"warmup", c.warmup ? json(exact_duration(*c.warmup)) : json("auto")},
              {"interval", exact_duration(c.interval)},
              {"workloads", workloads},
              {"probes", probes},
              {"budgets", budgets},
              {"confidence", c.confidence},
              {"strict", c.strict},
              {"fail_fast", c.fail_fast},
              {"out", c.out.string()},
              {"style", to_string(c.style)}};
  if (c.history) j["history"] = history_settings_to_json(*c.history);
  if (!c.http_client.empty()) j["http_client"] = http_client_to_json(c.http_client);  // no secrets
  return j;
}

Status check_memory_limit(double bytes) {
  // Below a few MiB a process cannot even start: the kernel would OOM-kill
  // the SUT's loader, which reads as a bug in the SUT.
  if (!(bytes >= 4.0 * 1024 * 1024)) return make_error("expected a size of at least 4MiB (e.g. 256MiB)");
  return Status::Ok();
}

Result<std::optional<ReadySpec>> readiness_spec(const RunConfig& config) {
  if (config.ready || !config.command.empty() || (!config.metrics_url && !config.go_url)) return config.ready;
  std::string url = config.metrics_url ? *config.metrics_url : *config.go_url;
  if (!config.metrics_url) {
    auto base = parse_url(url);
    if (!base) return make_error(fmt::format("\"{}\": {}", url, base.message()));
    url = base->with_path("/debug/pprof/goroutine?debug=1").str();
  }
  auto spec = parse_ready_spec(url);
  if (!spec) return make_error(fmt::format("\"{}\": {}", url, spec.message()));
  return std::optional<ReadySpec>(*spec);
}

ProbeOptions probe_options(const RunConfig& config) {
  ProbeOptions po;
  po.interval = config.interval;
  po.pss_interval = config.pss_interval;
  po.go_url = config.go_url;
  po.gctrace = config.gctrace;
  po.metrics_url = config.metrics_url;
  po.duration = config.duration;
  po.go_interval = config.go_interval;
  po.go_live_heap = config.go_live_heap;
  po.metrics_interval = config.metrics_interval;
  po.metrics_max_series = config.metrics_max_series;
  po.local_sut = !config.command.empty();
  po.http = config.http;
  if (config.native_heap.shim) po.native_heap_dir = config.out / "heap";
  return po;
}

}  // namespace soak
