#include "harness/commands.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "analysis/compare.h"
#include "analysis/summarize.h"
#include "common/series.h"
#include "common/units.h"
#include "harness/early_looks.h"
#include "harness/verdict.h"
#include "probes/culprits.h"
#include "reports/format.h"
#include "reports/reports.h"

namespace soak {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string signed_value(double v, std::string_view unit) {
  return v < 0 ? "-" + format_value(-v, unit) : format_value(v, unit);
}

std::string budget_unit(const BudgetResult& b) {
  if (b.kind == "level") return "";
  return "/" + (b.per.empty() ? std::string("h") : b.per);
}

// Budgets recorded in run.json ("budgets": ["rss=2MiB/h", ...]).
Result<std::vector<Budget>> recorded_budgets(const json& run) {
  std::vector<Budget> out;
  auto it = run.find("budgets");
  if (it == run.end() || it->is_null()) return out;
  if (!it->is_array()) return make_error("run.json: \"budgets\": expected an array of budget specs");
  for (size_t i = 0; i < it->size(); ++i) {
    const auto& s = (*it)[i];
    if (!s.is_string())
      return make_error(fmt::format("run.json: budgets[{}]: expected a string like \"rss=2MiB/h\", got {}", i,
                                    s.dump()));
    auto b = parse_budget(s.get<std::string>());
    if (!b) return make_error(fmt::format("run.json: budgets[{}] \"{}\": {}", i, s.get<std::string>(), b.message()));
    out.push_back(*b);
  }
  return out;
}

Result<Summary> read_or_judge(const fs::path& dir) {
  fs::path file = dir / "summary.json";
  std::ifstream in(file);
  if (!in) {
    if (!fs::is_directory(dir)) return make_error(fmt::format("{}: no such run directory", dir.string()));
    return judge_run_dir(dir, {});
  }
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return make_error(fmt::format("{}: not valid JSON", file.string()));
  auto s = summary_from_json(j);
  if (!s) return make_error(fmt::format("{}: {}", file.string(), s.message()));
  return s;
}

}  // namespace

Result<Summary> judge_run_dir(const fs::path& dir, const CheckOptions& options, RunData* data_out,
                              std::optional<PendingHistory>* history_out) {
  auto data = load_run_dir(dir);
  if (!data) return data.error();
  const json& run = data->run;

  std::vector<Budget> budgets = options.budgets;
  if (budgets.empty()) {
    auto rec = recorded_budgets(run);
    if (!rec) return make_error(fmt::format("{}: {}", dir.string(), rec.message()));
    budgets = *rec;
  }

  AnalysisOptions ao;
  if (options.confidence) ao.confidence = *options.confidence;
  else if (auto it = run.find("confidence"); it != run.end() && it->is_number()) ao.confidence = it->get<double>();
  // --fail-fast: the end is the last look; its fails spend what the early
  // looks left; passes keep the confidence.
  ao.fail_alpha = final_look_fail_alpha(*data, ao.confidence);
  // run.json "warmup" counts from readiness (as --warmup does); the analysis
  // wants seconds since launch, like `soak run` gives it.
  if (auto it = run.find("warmup"); it != run.end() && it->is_number()) {
    const Event* ready = data->find_event("ready");
    ao.warmup_s = (ready ? ready->t : 0.0) + it->get<double>();
  }
  if (const Event* end = data->find_event("run_end")) ao.end_s = end->t;

  Judgement judgement = judge_run(*data, budgets, ao);
  if (options.history) {
    auto pending = judge_history(*options.history, run, dir, judgement);
    if (!pending) return pending.error();
    if (history_out) *history_out = std::move(*pending);
  }
  auto [outcome, facts] = facts_from_run_data(*data);
  if (options.strict) facts.strict = *options.strict;
  std::error_code ec;
  if (fs::is_directory(dir / "profiles", ec)) facts.culprits = find_culprits(dir / "profiles");
  Summary s = assemble_summary(*data, judgement, outcome, facts);
  if (data_out) *data_out = std::move(*data);
  return s;
}

namespace {

// The culprit kind that explains a series: goroutine stacks for goroutines,
// allocation sites for a Go or native heap.
std::optional<std::string> culprit_kind(const std::string& series) {
  if (series == "goroutines") return "goroutines";
  if (series == "heap_bytes" || series == "heap_allocs") return "native_heap";  // the allocation shim's
  if (series.find("heap") != std::string::npos) return "heap";
  return std::nullopt;
}

// The culprit that grew most among those of `kind`.
const Culprit* top_culprit(const Summary& s, const std::string& kind) {
  const Culprit* top = nullptr;
  for (const auto& c : s.culprits)
    if (c.kind == kind && (!top || c.after - c.before > top->after - top->before)) top = &c;
  return top;
}

}  // namespace

std::string verdict_table(const Summary& s, bool status_line) {
  std::string out;
  for (const auto& b : s.budgets) {
    std::string verdict(to_string(b.verdict));
    for (auto& ch : verdict) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    std::string unit = series_unit(b.series);
    std::string observed = "no data";
    if (b.observed) {
      observed = signed_value(*b.observed, unit) + budget_unit(b);
      if (b.ci_low && b.ci_high)
        observed += fmt::format(" [{}, {}]", signed_value(*b.ci_low, unit) + budget_unit(b),
                                signed_value(*b.ci_high, unit) + budget_unit(b));
    }
    std::string limit = (b.kind == "level" ? "<= " : "") + format_value(b.limit, unit) + budget_unit(b);
    out += fmt::format("{:<13} {}  ({}): {}, limit {}", verdict, b.spec, b.series.empty() ? "?" : b.series,
                       observed, limit);
    if (!b.reason.empty()) out += " - " + b.reason;
    out += "\n";
    auto kind = culprit_kind(b.series);
    if (b.verdict != Verdict::kFail || !kind) continue;
    if (const Culprit* c = top_culprit(s, *kind); c && c->kind == "native_heap") {
      out += fmt::format("{:<13} top culprit: {}\n", "", native_culprit_line(*c));
    } else if (c) {
      std::string unit = culprit_unit(*c);
      out += fmt::format("{:<13} top culprit: {}{} ({} -> {}{})\n", "", c->function,
                         c->location.empty() ? "" : " " + c->location, format_value(c->before, unit),
                         format_value(c->after, unit), c->wait.empty() ? "" : ", " + c->wait);
    }
  }
  for (const auto& w : s.warnings) out += "warning: " + w + "\n";
  if (status_line) out += fmt::format("soak: {} (exit {})\n", to_string(s.status), s.exit_code);
  return out;
}

Result<int> check_command(const fs::path& dir, const CheckOptions& options, std::ostream& out) {
  if (options.history) SOAK_TRY(check_history_file(options.history->file));
  std::optional<PendingHistory> pending;
  auto s = judge_run_dir(dir, options, nullptr, &pending);
  if (!s) return s.error();
  out << verdict_table(*s);
  if (pending) {
    if (auto st = finish_history(*pending, *s); !st) return st.error();
    out << fmt::format("build {} appended to {}\n", pending->record.build, pending->settings.file.string());
  }
  return s->exit_code;
}

Result<int> report_command(const fs::path& dir, std::ostream& out) {
  RunData data;
  auto s = judge_run_dir(dir, {}, &data);
  if (!s) return s.error();
  auto warnings = write_reports(dir, *s, data, report_options_from_env());
  if (!warnings) return warnings.error();
  for (const auto& w : *warnings) out << "warning: " << w << "\n";
  out << verdict_table(*s);
  out << "reports written to " << dir.string() << "\n";
  return s->exit_code;
}

Result<int> compare_command(const fs::path& base_dir, const fs::path& dir, std::ostream& out) {
  auto base = read_or_judge(base_dir);
  if (!base) return base.error();
  auto now = read_or_judge(dir);
  if (!now) return now.error();
  out << fmt::format("comparing {} (base) -> {}\n", base_dir.string(), dir.string());
  analysis::Comparison c = analysis::compare_runs(*base, *now);
  auto slope = [](const Trend& t, const std::string& unit) {
    return fmt::format("{}/h [{}, {}]", signed_value(t.slope_per_h, unit), signed_value(t.ci_low_per_h, unit),
                       signed_value(t.ci_high_per_h, unit));
  };
  if (c.rows.empty()) out << "  no slope budgets in the new run: nothing to compare (only budgeted series are)\n";
  for (const auto& r : c.rows) {
    const std::string unit = series_unit(r.series);
    if (!r.now) {
      out << fmt::format("  {:<22} no trend in the new run\n", r.series);
      continue;
    }
    if (!r.base) {
      out << fmt::format("  {:<22} new: {} (no trend in the base run)\n", r.series, slope(*r.now, unit));
      continue;
    }
    std::string mark = r.regressed     ? "  REGRESSED"
                       : r.significant ? fmt::format("  (significant, but under the floor of {}/h)", format_value(r.floor, unit))
                                       : "";
    out << fmt::format("  {:<22} {} -> {}  change {}/h (p {:.2g}, level {:.2g}){}\n", r.series, slope(*r.base, unit),
                       slope(*r.now, unit), signed_value(r.change, unit), r.p, r.alpha, mark);
  }
  out << (c.regressions ? fmt::format("soak: {} series regressed against the base run\n", c.regressions)
                        : std::string("soak: no series regressed against the base run\n"));
  return c.regressions ? 1 : 0;
}

}  // namespace soak
