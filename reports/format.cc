#include "reports/format.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "analysis/endurance.h"
#include "common/series.h"
#include "common/units.h"

namespace soak {

std::string status_headline(RunStatus s) {
  switch (s) {
    case RunStatus::kPass: return "PASS";
    case RunStatus::kFail: return "FAIL";
    case RunStatus::kInconclusive: return "INCONCLUSIVE";
    case RunStatus::kSutFailed: return "SUT FAILED";
    case RunStatus::kInterrupted: return "INTERRUPTED";
    case RunStatus::kError: return "ERROR";
  }
  return "ERROR";
}

std::string verdict_word(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "pass";
    case Verdict::kFail: return "FAIL";
    case Verdict::kInconclusive: return "inconclusive";
  }
  return "inconclusive";
}

namespace {

std::string budget_unit(const BudgetResult& b) { return series_unit(b.series); }

}  // namespace

std::string format_budget_value(const BudgetResult& b, double v) {
  if (b.kind == "endurance") return analysis::format_time_to(v);  // seconds
  std::string value = format_value(v, budget_unit(b));
  if (b.kind != "slope") return value;
  return value + "/" + (b.per.empty() ? std::string("h") : b.per);
}

std::string format_observed(const BudgetResult& b) {
  if (b.kind == "endurance") {  // time to limit; an empty bound is "never"
    if (!b.observed && !b.ci_low && !b.ci_high) return "unknown";
    return fmt::format("{} [{}, {}]", analysis::format_time_to(b.observed), analysis::format_time_to(b.ci_low),
                       analysis::format_time_to(b.ci_high));
  }
  if (!b.observed) return "unknown";
  std::string s = format_budget_value(b, *b.observed);
  if (b.ci_low && b.ci_high)
    s += fmt::format(" [{}, {}]", format_budget_value(b, *b.ci_low),
                     format_budget_value(b, *b.ci_high));
  return s;
}

std::optional<double> limit_per_hour(const BudgetResult& b) {
  if (b.kind != "slope") return std::nullopt;
  if (b.per == "s") return b.limit * 3600;
  if (b.per == "m") return b.limit * 60;
  if (b.per == "h" || b.per.empty()) return b.limit;
  if (b.per == "d") return b.limit / 24;
  return std::nullopt;  // per request
}

std::string format_seconds(double s) {
  if (!std::isfinite(s) || s < 0) return "unknown";
  if (s < 60) return fmt::format("{:.1f}s", s);
  return format_duration(from_seconds(std::round(s)));
}

std::string culprit_unit(const Culprit& c) {
  return c.kind == "heap" || c.kind == "native_heap" ? "bytes" : "count";
}

std::string native_culprit_line(const Culprit& c) {
  return fmt::format("heap {} -> {} at {}{}", format_bytes(c.before), format_bytes(c.after), c.function,
                     c.location.empty() ? "" : " (" + c.location + ")");
}

std::vector<std::string> plotted_series(const Summary& summary, const RunData& data) {
  std::vector<std::string> out;
  auto add = [&](const std::string& name) {
    if (name.empty() || std::find(out.begin(), out.end(), name) != out.end()) return;
    if (!data.find(name)) return;
    out.push_back(name);
  };
  for (const auto& b : summary.budgets) add(b.series);
  for (const char* k : {"rss_bytes", "go_heap_live_bytes", "go_heap_alloc_bytes", "heap_bytes",
                        "cgroup_memory_bytes", "threads", "fds", "sockets", "goroutines", "latency_p99_ms"})
    add(k);
  return out;
}

const SeriesSummary* find_series_summary(const Summary& summary, std::string_view name) {
  for (const auto& s : summary.series)
    if (s.name == name) return &s;
  return nullptr;
}


std::vector<std::string> time_to_limit_lines(const Summary& summary) {
  std::vector<std::string> out;
  for (const auto& s : summary.series)
    if (s.time_to_limit)
      out.push_back(fmt::format("{} ({})",
                                analysis::describe_time_to_limit(analysis::short_series_name(s.name), s.unit,
                                                                 *s.time_to_limit),
                                s.time_to_limit->limit_source));
  return out;
}

std::string sut_failure(const Summary& summary, const RunData& data) {
  if (const Event* e = data.find_event("launch_failed"))
    return "could not start: " + e->fields.value("message", std::string("launch failed"));
  if (const Event* e = data.find_event("ready_timeout"))
    return "never became ready: " + e->fields.value("message", std::string("ready timeout"));
  if (summary.exit) return "the SUT " + describe_exit(*summary.exit) + " during the run";
  if (const Event* e = data.find_event("sut_lost"))
    return "lost during the run (at " + format_seconds(e->t) + "): " +
           e->fields.value("message", std::string("no reason recorded"));
  if (const Event* e = data.find_event("sut_exited")) {
    SutExit x;
    if (auto c = e->fields.find("code"); c != e->fields.end() && c->is_number_integer())
      x.code = c->get<int>();
    if (auto g = e->fields.find("signal"); g != e->fields.end() && g->is_string())
      x.signal = g->get<std::string>();
    x.oom_killed = e->fields.value("oom_killed", false);
    if (auto m = e->fields.find("memory_limit_bytes"); m != e->fields.end() && m->is_number())
      x.memory_limit_bytes = m->get<double>();
    return fmt::format("the SUT {} during the run (at {})", describe_exit(x), format_seconds(e->t));
  }
  if (summary.status == RunStatus::kSutFailed) return "the SUT failed (see events.jsonl)";
  return "";
}

std::string run_fact(const RunData& data, std::string_view key) {
  const auto& r = data.run;
  if (!r.is_object()) return "unknown";
  auto get = [](const nlohmann::json& j, std::string_view k) -> std::string {
    auto it = j.find(std::string(k));
    if (it == j.end() || it->is_null()) return "unknown";
    if (it->is_string()) return it->get<std::string>();
    return it->dump();
  };
  if (key == "hostname" || key == "kernel" || key == "cores" || key == "memory_bytes") {
    auto h = r.find("host");
    if (h == r.end() || !h->is_object()) return "unknown";
    if (key == "memory_bytes") {
      auto m = h->find("memory_bytes");
      if (m != h->end() && m->is_number()) return format_bytes(m->get<double>());
      return "unknown";
    }
    return get(*h, key);
  }
  return get(r, key);
}

}  // namespace soak
