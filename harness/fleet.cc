#include "harness/fleet.h"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "analysis/fleet_outliers.h"
#include "analysis/stats.h"
#include "analysis/summarize.h"
#include "common/exit_codes.h"
#include "common/series.h"
#include "harness/signals.h"
#include "harness/verdict.h"
#include "probes/prometheus_probe.h"
#include "reports/fleet_report.h"
#include "reports/format.h"
#include "reports/reports.h"

namespace soak {

namespace fs = std::filesystem;

namespace {

bool name_char(char c, bool first) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
         (!first && std::isdigit(static_cast<unsigned char>(c)));
}

bool valid_metric_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (!name_char(s[i], i == 0)) return false;
  return true;
}

// "prom:NAME{labels}" -> NAME and the labels inside the braces.
std::pair<std::string, std::string> split_prom_target(std::string_view target) {
  target.remove_prefix(5);  // "prom:"
  size_t brace = target.find('{');
  if (brace == std::string_view::npos) return {std::string(target), ""};
  std::string_view labels = target.substr(brace + 1);
  if (!labels.empty() && labels.back() == '}') labels.remove_suffix(1);
  return {std::string(target.substr(0, brace)), std::string(labels)};
}

std::string join_matchers(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return std::string(a);
  return std::string(a) + "," + std::string(b);
}

// The canonical series a fleet can have (client_golang defaults, mapped).
std::set<std::string> fleet_canonical() {
  std::set<std::string> s;
  for (auto [from, to] : prom_canonical_map()) s.emplace(to);
  return s;
}

std::string canonical_list() {
  std::string out;
  for (const auto& s : fleet_canonical()) out += (out.empty() ? "" : ", ") + s;
  return out;
}

int exit_for(PromErrorKind k) { return k == PromErrorKind::kBadQuery ? exit_code::kUsage : exit_code::kSutFailed; }

// The run directory: created; a non-empty one only with --force (then the
// files this command writes are replaced, as soak run does).
Status prepare_out(const fs::path& dir, bool force) {
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) return make_error("--out \"" + dir.string() + "\": exists and is not a directory");
    if (!fs::is_empty(dir, ec) && !force)
      return make_error("--out \"" + dir.string() +
                        "\": directory is not empty (use --force to overwrite a previous run)");
  }
  fs::create_directories(dir, ec);
  if (ec) return make_error("--out \"" + dir.string() + "\": cannot create: " + ec.message());
  return check_report_outputs(dir);
}

double now_unix() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Waits until `until` (Unix seconds) or a SIGINT/SIGTERM; true when interrupted.
bool wait_until(double until, const SignalWatcher& signals) {
  while (!signals.received()) {
    double left = until - now_unix();
    if (left <= 0) return false;
    pollfd p{signals.fd(), POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(std::min(left, 1.0) * 1000) + 1);
  }
  return true;
}

}  // namespace

Result<std::string> parse_fleet_selector(std::string_view text) {
  auto err = [&](const std::string& why) {
    return make_error(fmt::format("--select \"{}\": {} (expected label matchers such as {{job=\"api\"}})", text, why));
  };
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (!s.empty() && s.front() == '{') {
    if (s.back() != '}') return err("no closing }");
    s = s.substr(1, s.size() - 2);
  } else if (!s.empty() && s.back() == '}') {
    return err("a metric name before { is not allowed: soak fleet chooses the metrics");
  }
  std::string out;
  size_t i = 0;
  auto skip_space = [&] {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  };
  while (true) {
    skip_space();
    if (i >= s.size()) break;
    size_t name_start = i;
    while (i < s.size() && name_char(s[i], i == name_start) && s[i] != ':') ++i;
    std::string_view name = s.substr(name_start, i - name_start);
    if (name.empty()) return err(fmt::format("expected a label name at \"{}\"", s.substr(name_start)));
    skip_space();
    std::string_view op;
    for (std::string_view o : {"=~", "!~", "!=", "="})
      if (s.substr(i, o.size()) == o) {
        op = o;
        break;
      }
    if (op.empty()) return err(fmt::format("expected =, !=, =~ or !~ after \"{}\"", name));
    i += op.size();
    skip_space();
    if (i >= s.size() || (s[i] != '"' && s[i] != '\'' && s[i] != '`'))
      return err(fmt::format("the value of \"{}\" must be quoted", name));
    char q = s[i];
    size_t value_start = i++;
    while (i < s.size() && s[i] != q) i += (s[i] == '\\' && q != '`') ? 2 : 1;
    if (i >= s.size()) return err(fmt::format("unterminated value of \"{}\"", name));
    ++i;
    if (!out.empty()) out += ",";
    out += fmt::format("{}{}{}", name, op, s.substr(value_start, i - value_start));
    skip_space();
    if (i >= s.size()) break;
    if (s[i] != ',') return err(fmt::format("expected , between matchers at \"{}\"", s.substr(i)));
    ++i;
  }
  return out;
}

Status validate_fleet_config(const FleetConfig& c) {
  auto canonical = fleet_canonical();
  for (const auto& b : c.budgets) {
    if (b.per_request())
      return make_error(fmt::format("--budget \"{}\": soak fleet drives no load, so a per-request budget "
                                    "cannot be judged (use a time slope such as rss=2MiB/h)",
                                    b.spec));
    if (b.target.starts_with("prom:")) {
      auto [name, labels] = split_prom_target(b.target);
      if (!valid_metric_name(name))
        return make_error(fmt::format("--budget \"{}\": \"{}\" is not a Prometheus metric name", b.spec, name));
      if (!labels.empty()) {
        auto m = parse_fleet_selector("{" + labels + "}");
        if (!m) return make_error(fmt::format("--budget \"{}\": bad label matchers: {}", b.spec, m.message()));
      }
      continue;
    }
    auto r = resolve_budget_target(b.target, [&](std::string_view s) { return canonical.count(std::string(s)) > 0; });
    if (!r)
      return make_error(fmt::format("--budget \"{}\": {}; soak fleet reads {} (from client_golang's default "
                                    "metrics) and prom:NAME{{labels}}",
                                    b.spec, r.message(), canonical_list()));
  }
  return Status::Ok();
}

std::vector<FleetQuery> fleet_queries(const FleetConfig& c) {
  std::vector<FleetQuery> out;
  auto add = [&](const std::string& query, const std::string& name) {
    for (auto& q : out)
      if (q.query == query) {
        if (std::find(q.names.begin(), q.names.end(), name) == q.names.end()) q.names.push_back(name);
        return;
      }
    out.push_back({query, {name}});
  };
  for (auto [from, to] : prom_canonical_map())
    add(fmt::format("{}{{{}}}", from, c.matchers), std::string(to));
  for (const auto& b : c.budgets) {
    if (!b.target.starts_with("prom:")) continue;
    auto [name, labels] = split_prom_target(b.target);
    std::string own = labels.empty() ? "" : *parse_fleet_selector("{" + labels + "}");
    add(fmt::format("{}{{{}}}", name, join_matchers(own, c.matchers)), b.target);
  }
  add(fmt::format("{}{{{}}}", kFleetStartTimeSeries, c.matchers), std::string(kFleetStartTimeSeries));
  return out;
}

std::optional<double> cut_at_last_restart(FleetInstanceData& inst) {
  auto& series = inst.data.series;
  auto st = std::find_if(series.begin(), series.end(),
                         [](const SeriesData& s) { return s.name == kFleetStartTimeSeries; });
  if (st == series.end()) return std::nullopt;
  std::optional<double> cut;
  for (size_t i = 1; i < st->v.size(); ++i)
    if (std::fabs(st->v[i] - st->v[i - 1]) > 1.5) cut = st->t[i];
  series.erase(st);
  if (!cut) return std::nullopt;
  size_t lines = 0;
  for (auto& s : series) {
    auto first = std::lower_bound(s.t.begin(), s.t.end(), *cut);
    size_t drop = static_cast<size_t>(first - s.t.begin());
    s.t.erase(s.t.begin(), first);
    s.v.erase(s.v.begin(), s.v.begin() + static_cast<long>(drop));
    lines = std::max(lines, s.t.size());
  }
  inst.data.sample_lines = lines;
  return cut;
}

std::vector<FleetInstanceData> group_fleet(const std::vector<std::pair<FleetQuery, PromMatrix>>& results,
                                           const std::string& by, double start_unix, double step_s,
                                           std::vector<std::string>& warnings) {
  std::map<std::string, FleetInstanceData> byname;
  std::map<std::string, size_t> unlabelled;  // query -> series without the label
  for (const auto& [q, m] : results) {
    for (const auto& s : m.series) {
      auto it = s.labels.find(by);
      if (it == s.labels.end()) {
        ++unlabelled[q.query];
        continue;
      }
      auto& inst = byname[it->second];
      if (inst.name.empty()) {
        inst.name = it->second;
        inst.labels = s.labels;
        inst.labels.erase("__name__");
        inst.data.run = nlohmann::json{{"schema", "soak.run/v1"}, {"interval_s", step_s}};
      } else {
        // Keep only the labels every series of the instance shares.
        for (auto l = inst.labels.begin(); l != inst.labels.end();) {
          auto o = s.labels.find(l->first);
          l = (o == s.labels.end() || o->second != l->second) ? inst.labels.erase(l) : std::next(l);
        }
      }
      for (const auto& name : q.names) {
        SeriesData d{name, {}, s.v};
        for (double t : s.t) d.t.push_back(t - start_unix);
        auto existing = std::find_if(inst.data.series.begin(), inst.data.series.end(),
                                     [&](const SeriesData& x) { return x.name == name; });
        if (existing == inst.data.series.end()) {
          inst.data.series.push_back(std::move(d));
          continue;
        }
        warnings.push_back(fmt::format("{}=\"{}\" has several series of {}; judged the one with more points "
                                       "(narrow --select or choose another --by)",
                                       by, inst.name, q.query));
        if (d.t.size() > existing->t.size()) *existing = std::move(d);
      }
    }
  }
  for (const auto& [query, n] : unlabelled)
    warnings.push_back(fmt::format("{} series of {} have no label \"{}\" and were left out", n, query, by));
  std::vector<FleetInstanceData> out;
  for (auto& [name, inst] : byname) {
    size_t lines = 0;
    for (const auto& s : inst.data.series) lines = std::max(lines, s.t.size());
    inst.data.sample_lines = lines;
    out.push_back(std::move(inst));
  }
  return out;
}

std::vector<std::string> silence_warnings(const std::vector<FleetInstanceData>& instances, const FleetSource& src,
                                          double tolerance_s) {
  std::vector<std::string> out;
  for (const auto& inst : instances) {
    double last = 0;
    for (const auto& s : inst.data.series)
      if (!s.t.empty()) last = std::max(last, s.t.back());
    double gap = (src.end_unix - src.start_unix) - last;
    if (gap > tolerance_s)
      out.push_back(fmt::format("{}=\"{}\" has no samples in the last {} of the window: it stopped reporting at {}",
                                src.by, inst.name, format_seconds(gap), utc_text(src.start_unix + last)));
  }
  return out;
}

FleetSummary judge_fleet(const std::vector<FleetInstanceData>& instances, const FleetConfig& config,
                         const FleetSource& source, std::vector<std::string> warnings) {
  FleetSummary fs;
  fs.source = source;
  double window = source.end_unix - source.start_unix;
  AnalysisOptions ao;
  ao.confidence = config.confidence;
  ao.end_s = window;
  // Bonferroni across instances (Holm then splits each share over the
  // instance's budgets): a healthy fleet of any size fails with probability
  // at most 1 - confidence, as one run does.
  if (!instances.empty()) ao.fail_alpha = (1 - config.confidence) / static_cast<double>(instances.size());
  SummaryFacts facts;
  facts.duration_s = window;
  facts.interval_s = source.step_s;
  facts.strict = config.strict;
  for (const auto& inst : instances) {
    Judgement j = judge_run(inst.data, config.budgets, ao);
    fs.instances.push_back({inst.name, inst.labels, assemble_summary(inst.data, j, Outcome{}, facts)});
  }

  // Outliers, per series every instance could have (not counters: they
  // follow the load).
  std::vector<std::string> names;
  for (const auto& i : fs.instances)
    for (const auto& s : i.summary.series)
      if (series_kind(s.name) != SeriesKind::kCounter && std::find(names.begin(), names.end(), s.name) == names.end())
        names.push_back(s.name);
  for (const auto& name : names) {
    std::vector<analysis::InstanceSlope> slopes;
    for (const auto& i : fs.instances)
      for (const auto& s : i.summary.series)
        if (s.name == name && s.trend)
          // The fit's own standard error; runs judged before it was recorded
          // give only an interval (two-sided when no budget judged the series).
          slopes.push_back({i.name, s.trend->slope_per_h,
                            s.trend->se_per_h ? *s.trend->se_per_h
                                              : analysis::se_from_interval(s.trend->ci_low_per_h,
                                                                           s.trend->ci_high_per_h, config.confidence)});
    for (const auto& o : analysis::find_slope_outliers(slopes)) {
      FleetOutlier fo{o.instance, name, o.slope_per_h, o.fleet_median_per_h, o.fleet_mad_per_h, o.z, true};
      for (const auto& i : fs.instances)
        if (i.name == o.instance)
          for (const auto& b : i.summary.budgets)
            if (b.series == name && b.verdict == Verdict::kFail) fo.within_budget = false;
      std::string unit = series_unit(name);
      std::string z = o.z >= analysis::kMaxOutlierZ ? std::string("robust z >= 1e6: the others' slopes are identical")
                                                     : fmt::format("robust z {:.1f}", o.z);
      warnings.push_back(fmt::format("outlier: {}=\"{}\" {} grows at {}/h, far above the fleet's median {}/h ({}){}",
                                     source.by, o.instance, name, format_value(o.slope_per_h, unit),
                                     format_value(o.fleet_median_per_h, unit), z,
                                     fo.within_budget ? "; no budget on it failed" : ""));
      fs.outliers.push_back(std::move(fo));
    }
  }

  // The fleet's row per budget: fail when any instance fails, inconclusive
  // when none fails and some is inconclusive.
  Summary& top = fs.fleet;
  top.duration_s = window;
  top.interval_s = source.step_s;
  for (const auto& i : fs.instances) top.samples += i.summary.samples;
  for (size_t k = 0; k < config.budgets.size(); ++k) {
    BudgetResult row;
    row.spec = config.budgets[k].spec;
    row.verdict = Verdict::kPass;
    std::vector<std::string> failed, inconclusive;
    for (const auto& i : fs.instances) {
      if (k >= i.summary.budgets.size()) continue;
      const BudgetResult& b = i.summary.budgets[k];
      if (row.series.empty()) {
        row.series = b.series;
        row.kind = b.kind;
        row.limit = b.limit;
        row.per = b.per;
        row.alias = b.alias;
      }
      if (b.observed && (!row.observed || *b.observed > *row.observed)) {
        row.observed = b.observed;
        row.ci_low = b.ci_low;
        row.ci_high = b.ci_high;
      }
      if (b.verdict == Verdict::kFail) failed.push_back(i.name);
      if (b.verdict == Verdict::kInconclusive) inconclusive.push_back(i.name);
    }
    auto list = [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
      return s;
    };
    size_t n = fs.instances.size();
    if (!failed.empty()) {
      row.verdict = Verdict::kFail;
      row.reason = fmt::format("fails on {} of {} instances: {}", failed.size(), n, list(failed));
    } else if (!inconclusive.empty()) {
      row.verdict = Verdict::kInconclusive;
      row.reason = fmt::format("inconclusive: on {} of {} instances: {}", inconclusive.size(), n, list(inconclusive));
    } else {
      row.reason = fmt::format("passes on all {} instances", n);
    }
    top.budgets.push_back(std::move(row));
  }
  bool any_fail = false, any_inconclusive = false;
  for (const auto& i : fs.instances) {
    any_fail = any_fail || i.summary.exit_code == exit_code::kBudgetFailed;
    any_inconclusive = any_inconclusive || i.summary.exit_code == exit_code::kInconclusive;
  }
  if (any_fail) {
    top.status = RunStatus::kFail;
    top.exit_code = exit_code::kBudgetFailed;
  } else if (any_inconclusive) {
    top.status = RunStatus::kInconclusive;
    top.exit_code = exit_code::kInconclusive;
  } else {
    top.status = RunStatus::kPass;
    top.exit_code = exit_code::kPass;
  }
  if (config.budgets.empty()) warnings.push_back("no budgets were given: nothing was judged (add --budget rss=2MiB/h)");
  top.warnings = std::move(warnings);
  return fs;
}

namespace {

void print_table(const FleetSummary& s, std::ostream& out) {
  for (const auto& i : s.instances) {
    std::string status(to_string(i.summary.status));
    for (auto& ch : status) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    out << fmt::format("{}=\"{}\": {}\n", s.source.by, i.name, status);
    for (const auto& b : i.summary.budgets)
      out << fmt::format("  {:<13} {}  ({}): {}{}\n", verdict_word(b.verdict), b.spec, b.series.empty() ? "?" : b.series,
                         format_observed(b), b.verdict == Verdict::kFail ? " - " + b.reason : "");
  }
  for (const auto& w : s.fleet.warnings) out << "warning: " << w << "\n";
  size_t failed = 0;
  for (const auto& i : s.instances) failed += i.summary.status == RunStatus::kFail;
  out << fmt::format("soak: {} ({} of {} instances failed; exit {})\n", to_string(s.fleet.status), failed,
                     s.instances.size(), s.fleet.exit_code);
}

}  // namespace

int run_fleet(const FleetConfig& config, std::ostream& out, std::ostream& err) {
  auto fail = [&](int code, const std::string& message) {
    err << "soak: " << message << "\n";
    return code;
  };
  if (auto st = validate_fleet_config(config); !st) return fail(exit_code::kUsage, st.message());
  if (auto st = prepare_out(config.out, config.force); !st) return fail(exit_code::kUsage, st.message());

  PromApi api(config.prometheus, config.http, config.timeout);
  std::vector<FleetQuery> queries = fleet_queries(config);
  std::vector<std::string> warnings;
  if (auto w = insecure_warning(config.http_client)) {
    err << "soak: warning: " << *w << "\n";
    warnings.push_back(*w);
  }
  FleetSource src;
  src.prometheus = config.prometheus;
  src.select = config.select;
  src.by = config.by;
  for (const auto& h : config.http.headers) src.header_names.push_back(h.first);  // names only
  for (const auto& q : queries) src.queries.push_back(q.query);

  double now = now_unix();
  double window = to_seconds(config.since ? *config.since : *config.duration);
  src.mode = config.since ? "since" : "duration";
  src.start_unix = config.since ? now - window : now;
  src.end_unix = src.start_unix + window;

  // The scrape interval from raw samples of the last (up to) 10 minutes: also
  // the first contact with the server, before any waiting.
  std::string names;
  for (auto [from, to] : prom_canonical_map()) names += (names.empty() ? "" : "|") + std::string(from);
  double look = std::ceil(std::clamp(window, 1.0, 600.0));
  auto raw = api.query_matrix(fmt::format("{{__name__=~\"{}\"{}}}[{}s]", names,
                                          config.matchers.empty() ? "" : "," + config.matchers, look),
                              std::min(now, src.end_unix));
  if (!raw) return fail(exit_for(api.last_error_kind()), fmt::format("--prometheus {}: {}", config.prometheus, raw.message()));
  std::vector<double> gaps;
  for (const auto& s : raw->series)
    for (size_t i = 1; i < s.t.size(); ++i)
      if (s.t[i] > s.t[i - 1]) gaps.push_back(s.t[i] - s.t[i - 1]);
  double scrape = gaps.empty() ? 0 : std::round(analysis::median(gaps) * 1000) / 1000;

  if (config.step) {
    src.step_s = to_seconds(*config.step);
    src.step_from = "--step";
  } else if (scrape > 0) {
    src.step_s = std::max(scrape, window / static_cast<double>(kFleetMaxPointsPerSeries));
    src.step_from = src.step_s > scrape
                        ? fmt::format("window/{} (the scrape interval {}s would give more points)",
                                      kFleetMaxPointsPerSeries, scrape)
                        : "scrape interval";
  } else {
    src.step_s = window / kFleetDefaultPoints;
    src.step_from = fmt::format("window/{} (no raw samples to read the scrape interval from)", kFleetDefaultPoints);
  }
  src.step_s = std::max(src.step_s, 0.001);

  bool interrupted = false;
  if (config.duration) {
    out << fmt::format("soak fleet: watching {} {} until {} (step {}s)\n", config.prometheus, config.select,
                       utc_text(src.end_unix), src.step_s);
    out.flush();
    // SIGINT/SIGTERM are caught only while watching: the window so far is
    // still judged. Elsewhere they end soak at once (nothing to keep).
    SignalWatcher signals;
    interrupted = wait_until(src.end_unix, signals);
    if (interrupted) src.end_unix = std::max(src.start_unix, now_unix());
  }

  std::vector<std::pair<FleetQuery, PromMatrix>> results;
  for (const auto& q : queries) {
    auto m = api.query_range(q.query, src.start_unix, src.end_unix, src.step_s);
    if (!m) return fail(exit_for(api.last_error_kind()), fmt::format("--prometheus {}: {}", config.prometheus, m.message()));
    for (const auto& w : m->warnings) warnings.push_back("the server warned: " + w);
    results.emplace_back(q, std::move(*m));
  }
  src.requests = api.requests();
  src.chunks = api.chunks().size();

  auto instances = group_fleet(results, config.by, src.start_unix, src.step_s, warnings);
  for (auto& inst : instances)
    if (auto cut = cut_at_last_restart(inst))
      warnings.push_back(fmt::format("{}=\"{}\" restarted at {} (process_start_time_seconds moved): judged from "
                                     "then on, the last {} of the window",
                                     config.by, inst.name, utc_text(src.start_unix + *cut),
                                     format_seconds(src.end_unix - src.start_unix - *cut)));
  for (auto& w : silence_warnings(instances, src, 3 * std::max(src.step_s, scrape))) warnings.push_back(std::move(w));
  if (instances.empty())
    return fail(exit_code::kSutFailed,
                fmt::format("--select {}: matches no series with a label \"{}\" on {} between {} and {} "
                            "(queried {}; check the selector with the server's own UI)",
                            config.select, config.by, config.prometheus, utc_text(src.start_unix),
                            utc_text(src.end_unix), src.queries.front()));

  FleetSummary summary = judge_fleet(instances, config, src, std::move(warnings));
  if (interrupted) {
    summary.fleet.status = RunStatus::kInterrupted;
    summary.fleet.exit_code = exit_code::kInterrupted;
    summary.fleet.warnings.push_back("interrupted: judged the window up to the signal");
  }
  std::vector<const RunData*> data;
  for (const auto& i : instances) data.push_back(&i.data);
  auto written = write_fleet_reports(config.out, summary, data, report_options_from_env());
  if (!written) return fail(exit_code::kInternal, written.message());
  for (const auto& w : *written) out << "warning: " << w << "\n";
  print_table(summary, out);
  out << "reports written to " << config.out.string() << "\n";
  return summary.fleet.exit_code;
}

}  // namespace soak
