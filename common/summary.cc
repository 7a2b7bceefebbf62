#include "common/summary.h"

#include <fmt/format.h>

namespace soak {

using nlohmann::json;

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "pass";
    case Verdict::kFail: return "fail";
    case Verdict::kInconclusive: return "inconclusive";
  }
  return "inconclusive";
}

std::string_view to_string(RunStatus s) {
  switch (s) {
    case RunStatus::kPass: return "pass";
    case RunStatus::kFail: return "fail";
    case RunStatus::kInconclusive: return "inconclusive";
    case RunStatus::kSutFailed: return "sut_failed";
    case RunStatus::kInterrupted: return "interrupted";
    case RunStatus::kError: return "error";
  }
  return "error";
}

namespace {

template <class T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

template <class T>
void get_opt(const json& j, const char* key, std::optional<T>& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) out = it->get<T>();
}

template <class T>
void get_to(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) out = it->get<T>();
}

json trend_json(const Trend& t) {
  return json{{"slope_per_h", t.slope_per_h},
              {"ci_low_per_h", t.ci_low_per_h},
              {"ci_high_per_h", t.ci_high_per_h},
              {"method", t.method},
              {"signal", t.signal},
              {"mds_per_h", opt(t.mds_per_h)},
              {"ols_slope_per_h", opt(t.ols_slope_per_h)},
              {"fit_t0_s", t.fit_t0_s},
              {"fit_y0", t.fit_y0},
              {"warmup_end_s", t.warmup_end_s},
              {"block_s", t.block_s},
              {"n_blocks", t.n_blocks},
              {"sigma", t.sigma},
              {"phi", t.phi},
              {"n_eff", t.n_eff},
              {"tail_slope_per_h", opt(t.tail_slope_per_h)},
              {"note", t.note},
              {"regime", t.regime},
              {"regime_start_s", t.regime_start_s},
              {"regime_windows", t.regime_windows},
              {"budget_alpha", opt(t.budget_alpha)},
              {"se_per_h", opt(t.se_per_h)},
              {"blocks", json{{"t", t.block_t}, {"v", t.block_v}}}};
}

Trend trend_from(const json& j) {
  Trend t;
  get_to(j, "slope_per_h", t.slope_per_h);
  get_to(j, "ci_low_per_h", t.ci_low_per_h);
  get_to(j, "ci_high_per_h", t.ci_high_per_h);
  get_to(j, "method", t.method);
  get_to(j, "signal", t.signal);
  get_opt(j, "mds_per_h", t.mds_per_h);
  get_opt(j, "ols_slope_per_h", t.ols_slope_per_h);
  get_to(j, "fit_t0_s", t.fit_t0_s);
  get_to(j, "fit_y0", t.fit_y0);
  get_to(j, "warmup_end_s", t.warmup_end_s);
  get_to(j, "block_s", t.block_s);
  get_to(j, "n_blocks", t.n_blocks);
  get_to(j, "sigma", t.sigma);
  get_to(j, "phi", t.phi);
  get_to(j, "n_eff", t.n_eff);
  get_opt(j, "tail_slope_per_h", t.tail_slope_per_h);
  get_to(j, "note", t.note);
  get_to(j, "regime", t.regime);
  get_to(j, "regime_start_s", t.regime_start_s);
  get_to(j, "regime_windows", t.regime_windows);
  get_opt(j, "budget_alpha", t.budget_alpha);
  get_opt(j, "se_per_h", t.se_per_h);
  if (auto b = j.find("blocks"); b != j.end() && b->is_object()) {
    get_to(*b, "t", t.block_t);
    get_to(*b, "v", t.block_v);
  }
  return t;
}

json ttl_json(const std::optional<TimeToLimit>& t) {
  if (!t) return nullptr;
  return json{{"estimate", opt(t->estimate)}, {"low", opt(t->low)}, {"high", opt(t->high)},
              {"limit", t->limit}, {"limit_source", t->limit_source}, {"level", t->level}};
}

std::optional<TimeToLimit> ttl_from(const json& x) {
  auto it = x.find("time_to_limit_s");
  if (it == x.end() || !it->is_object()) return std::nullopt;
  TimeToLimit t;
  get_opt(*it, "estimate", t.estimate);
  get_opt(*it, "low", t.low);
  get_opt(*it, "high", t.high);
  get_to(*it, "limit", t.limit);
  get_to(*it, "limit_source", t.limit_source);
  get_to(*it, "level", t.level);
  return t;
}

}  // namespace

json to_json(const Summary& s) {
  json series = json::array();
  for (const auto& x : s.series) {
    series.push_back(json{{"name", x.name},
                          {"unit", x.unit},
                          {"count", x.count},
                          {"first", x.first},
                          {"last", x.last},
                          {"min", x.min},
                          {"max", x.max},
                          {"trend", x.trend ? trend_json(*x.trend) : json(nullptr)},
                          {"time_to_limit_s", ttl_json(x.time_to_limit)}});
  }
  json budgets = json::array();
  for (const auto& b : s.budgets) {
    budgets.push_back(json{{"spec", b.spec},
                           {"series", b.series},
                           {"kind", b.kind},
                           {"limit", b.limit},
                           {"per", b.per.empty() ? json(nullptr) : json(b.per)},
                           {"observed", opt(b.observed)},
                           {"ci_low", opt(b.ci_low)},
                           {"ci_high", opt(b.ci_high)},
                           {"verdict", to_string(b.verdict)},
                           {"reason", b.reason},
                           {"alias", b.alias.empty() ? json(nullptr) : json(b.alias)},
                           {"mds", opt(b.mds)},
                           {"needed_s", opt(b.needed_s)},
                           {"at_s", opt(b.at_s)},
                           {"alpha", opt(b.alpha)}});
  }
  json exit = nullptr;
  if (s.exit) {
    exit = json::object();
    if (s.exit->code) exit["code"] = *s.exit->code;
    if (s.exit->signal || s.exit->oom_killed) {
      if (s.exit->signal) exit["signal"] = *s.exit->signal;
      exit["oom_killed"] = s.exit->oom_killed;
    }
    if (s.exit->memory_limit_bytes) exit["memory_limit_bytes"] = *s.exit->memory_limit_bytes;
    if (s.exit->after_s) exit["after_s"] = *s.exit->after_s;
  }
  json workload = nullptr;
  if (s.workload) {
    const auto& w = *s.workload;
    workload = json{{"requests", w.requests},
                    {"errors", w.errors},
                    {"rate_per_s", w.rate_per_s},
                    {"latency_ms", json{{"p50", opt(w.p50_ms)}, {"p99", opt(w.p99_ms)},
                                        {"p999", opt(w.p999_ms)}, {"max", opt(w.max_ms)}}},
                    {"errors_by_kind", w.errors_by_kind},
                    {"dropped", w.dropped},
                    {"target_rate_per_s", w.target_rate_per_s},
                    {"restarts", w.restarts},
                    {"aborted", w.aborted},
                    {"timed_out", w.timed_out}};
  }
  json culprits = json::array();
  for (const auto& c : s.culprits) {
    culprits.push_back(json{{"kind", c.kind}, {"function", c.function}, {"location", c.location},
                            {"frames", c.frames}, {"before", c.before}, {"after", c.after},
                            {"wait", c.wait}});
  }
  return json{{"schema", s.schema},
              {"status", to_string(s.status)},
              {"exit_code", s.exit_code},
              {"run", json{{"duration_s", s.duration_s},
                           {"warmup_s", opt(s.warmup_s)},
                           {"interval_s", s.interval_s},
                           {"samples", s.samples}}},
              {"sut", json{{"command", s.command},
                           {"pid", opt(s.pid)},
                           {"ready_s", opt(s.ready_s)},
                           {"exit", exit}}},
              {"series", series},
              {"budgets", budgets},
              {"workload", workload},
              {"culprits", culprits},
              {"warnings", s.warnings}};
}

Result<Summary> summary_from_json(const json& j) {
  try {
    Summary s;
    if (!j.is_object()) return make_error("summary: not a JSON object");
    get_to(j, "schema", s.schema);
    if (s.schema != "soak.summary/v1")
      return make_error(fmt::format("summary: unknown schema \"{}\" (expected soak.summary/v1)", s.schema));
    std::string status = j.value("status", "error");
    static const std::pair<const char*, RunStatus> kStatuses[] = {
        {"pass", RunStatus::kPass}, {"fail", RunStatus::kFail},
        {"inconclusive", RunStatus::kInconclusive}, {"sut_failed", RunStatus::kSutFailed},
        {"interrupted", RunStatus::kInterrupted}, {"error", RunStatus::kError}};
    for (auto& [name, value] : kStatuses)
      if (status == name) s.status = value;
    get_to(j, "exit_code", s.exit_code);
    if (auto r = j.find("run"); r != j.end() && r->is_object()) {
      get_to(*r, "duration_s", s.duration_s);
      get_opt(*r, "warmup_s", s.warmup_s);
      get_to(*r, "interval_s", s.interval_s);
      get_to(*r, "samples", s.samples);
    }
    if (auto u = j.find("sut"); u != j.end() && u->is_object()) {
      get_to(*u, "command", s.command);
      get_opt(*u, "pid", s.pid);
      get_opt(*u, "ready_s", s.ready_s);
      if (auto e = u->find("exit"); e != u->end() && e->is_object()) {
        SutExit x;
        get_opt(*e, "code", x.code);
        get_opt(*e, "signal", x.signal);
        get_to(*e, "oom_killed", x.oom_killed);
        get_opt(*e, "memory_limit_bytes", x.memory_limit_bytes);
        get_opt(*e, "after_s", x.after_s);
        s.exit = x;
      }
    }
    for (const auto& x : j.value("series", json::array())) {
      SeriesSummary ss;
      get_to(x, "name", ss.name);
      get_to(x, "unit", ss.unit);
      get_to(x, "count", ss.count);
      get_to(x, "first", ss.first);
      get_to(x, "last", ss.last);
      get_to(x, "min", ss.min);
      get_to(x, "max", ss.max);
      if (auto t = x.find("trend"); t != x.end() && t->is_object()) ss.trend = trend_from(*t);
      ss.time_to_limit = ttl_from(x);
      s.series.push_back(std::move(ss));
    }
    for (const auto& x : j.value("budgets", json::array())) {
      BudgetResult b;
      get_to(x, "spec", b.spec);
      get_to(x, "series", b.series);
      get_to(x, "kind", b.kind);
      get_to(x, "limit", b.limit);
      get_to(x, "per", b.per);
      get_opt(x, "observed", b.observed);
      get_opt(x, "ci_low", b.ci_low);
      get_opt(x, "ci_high", b.ci_high);
      std::string v = x.value("verdict", "inconclusive");
      b.verdict = v == "pass" ? Verdict::kPass : v == "fail" ? Verdict::kFail : Verdict::kInconclusive;
      get_to(x, "reason", b.reason);
      get_to(x, "alias", b.alias);
      get_opt(x, "mds", b.mds);
      get_opt(x, "needed_s", b.needed_s);
      get_opt(x, "at_s", b.at_s);
      get_opt(x, "alpha", b.alpha);
      s.budgets.push_back(std::move(b));
    }
    if (auto w = j.find("workload"); w != j.end() && w->is_object()) {
      WorkloadSummary ws;
      get_to(*w, "requests", ws.requests);
      get_to(*w, "errors", ws.errors);
      get_to(*w, "rate_per_s", ws.rate_per_s);
      if (auto l = w->find("latency_ms"); l != w->end() && l->is_object()) {
        get_opt(*l, "p50", ws.p50_ms);
        get_opt(*l, "p99", ws.p99_ms);
        get_opt(*l, "p999", ws.p999_ms);
        get_opt(*l, "max", ws.max_ms);
      }
      get_to(*w, "errors_by_kind", ws.errors_by_kind);
      get_to(*w, "dropped", ws.dropped);
      get_to(*w, "target_rate_per_s", ws.target_rate_per_s);
      get_to(*w, "restarts", ws.restarts);
      get_to(*w, "aborted", ws.aborted);
      get_to(*w, "timed_out", ws.timed_out);
      s.workload = ws;
    }
    for (const auto& x : j.value("culprits", json::array())) {
      Culprit c;
      get_to(x, "kind", c.kind);
      get_to(x, "function", c.function);
      get_to(x, "location", c.location);
      get_to(x, "frames", c.frames);
      get_to(x, "before", c.before);
      get_to(x, "after", c.after);
      get_to(x, "wait", c.wait);
      s.culprits.push_back(std::move(c));
    }
    get_to(j, "warnings", s.warnings);
    return s;
  } catch (const json::exception& e) {
    return make_error(fmt::format("summary: {}", e.what()));
  }
}

namespace {
// "64 MiB", "1.5 GiB": a limit as the user would have written it.
std::string limit_text(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int i = 0;
  while (b >= 1024 && i < 4) {
    b /= 1024;
    ++i;
  }
  std::string n = fmt::format("{:.2f}", b);
  while (n.back() == '0') n.pop_back();
  if (n.back() == '.') n.pop_back();
  return n + " " + units[i];
}
// "0:41", "12:05", "1:02:03".
std::string clock_text(double s) {
  long t = static_cast<long>(s + 0.5);
  if (t >= 3600) return fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60);
  return fmt::format("{}:{:02}", t / 60, t % 60);
}
}  // namespace

std::string describe_exit(const SutExit& e) {
  if (e.oom_killed) {
    std::string s = "was killed by the kernel OOM killer";
    if (e.memory_limit_bytes) s += " at " + limit_text(*e.memory_limit_bytes);
    if (e.after_s) s += " after " + clock_text(*e.after_s);
    return s;
  }
  return e.signal ? "was killed by " + *e.signal
         : e.code ? fmt::format("exited with code {}", *e.code)
                  : std::string("exited");
}

}  // namespace soak
