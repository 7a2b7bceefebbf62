// `soak history FILE`: the lines, history.html and the Apache Otava export.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "analysis/verdict_text.h"
#include "common/series.h"
#include "harness/history.h"
#include "reports/escape.h"

namespace soak {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string rate(double v, const std::string& series, const std::string& per) {
  return analysis::format_amount(v, series_unit(series)) + "/" + (per.empty() ? "h" : per);
}

std::string series_cell(const HistorySeries& s) {
  std::string out = s.series + " " + (s.slope ? rate(*s.slope, s.series, s.per) : std::string("no slope"));
  out += " " + (s.verdict.empty() ? std::string("?") : s.verdict);
  if (s.regression == "fail") out += " REGRESSION";
  else if (s.regression == "warn") out += " regression(warn)";
  return out;
}

Status write_file(const fs::path& p, const std::string& text, const char* what) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) return make_error(fmt::format("{} {}: cannot write", what, p.string()));
  return Status::Ok();
}

// One chart: the slope of a series per build with its interval.
struct Point {
  size_t build_index = 0;
  std::string build;
  double slope = 0;
  std::optional<double> lo, hi;
  double limit = 0;
  std::string color, label;
};

std::string svg_chart(const std::vector<Point>& pts, size_t n_builds, const std::string& series, const std::string& per,
                      const std::vector<analysis::ChangePoint>& cps) {
  const double W = 760, H = 260, L = 80, R = 16, T = 14, B = 50;
  double lo = 0, hi = 0;
  bool have_limit = false;
  double limit = 0;
  for (const auto& p : pts) {
    lo = std::min({lo, p.slope, p.lo.value_or(p.slope)});
    hi = std::max({hi, p.slope, p.hi.value_or(p.slope)});
    limit = p.limit;
    have_limit = true;
  }
  // The budget line only when it does not flatten the data.
  bool show_limit = have_limit && limit > hi && limit < hi + 3 * (hi - lo + 1e-300);
  if (show_limit) hi = limit;
  if (hi <= lo) hi = lo + 1;
  double pad = (hi - lo) * 0.06;
  lo -= pad;
  hi += pad;
  const std::string unit = series_unit(series);
  auto x = [&](size_t i) { return L + (n_builds <= 1 ? (W - L - R) / 2 : (W - L - R) * i / double(n_builds - 1)); };
  auto y = [&](double v) { return T + (H - T - B) * (hi - v) / (hi - lo); };
  std::string s = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
                              "viewBox=\"0 0 {} {}\" role=\"img\">",
                              W, H, W, H);
  s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fff\" stroke=\"#ccc\"/>", L, T, W - L - R,
                   H - T - B);
  for (int k = 0; k <= 4; ++k) {
    double v = lo + (hi - lo) * k / 4;
    s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#eee\"/>", L, W - R, y(v), y(v));
    s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"end\">{}</text>", L - 4, y(v) + 4,
                     html_escape(rate(v, series, per)));
  }
  if (lo < 0 && hi > 0)
    s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#999\"/>", L, W - R, y(0), y(0));
  if (show_limit)
    s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#d62728\" stroke-dasharray=\"6 4\">"
                     "<title>budget {}</title></line>",
                     L, W - R, y(limit), y(limit), html_escape(rate(limit, series, per)));
  for (const auto& cp : cps) {
    if (cp.index == 0 || cp.index >= pts.size()) continue;
    double cx = (x(pts[cp.index - 1].build_index) + x(pts[cp.index].build_index)) / 2;
    s += fmt::format("<line class=\"cp\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"#9467bd\" "
                     "stroke-dasharray=\"3 3\"><title>change point before build {}: {} -> {} (p={:.2g})</title></line>",
                     cx, cx, T, H - B, html_escape(pts[cp.index].build), html_escape(rate(cp.mean_before, series, per)),
                     html_escape(rate(cp.mean_after, series, per)), cp.p);
  }
  size_t every = std::max<size_t>(1, n_builds / 12);
  for (const auto& p : pts) {
    double cx = x(p.build_index);
    if (p.lo && p.hi)
      s += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"/>", cx, cx, y(*p.lo),
                       y(*p.hi), p.color);
    s += fmt::format("<circle class=\"pt\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"{}\"><title>{}</title></circle>", cx,
                     y(p.slope), p.color, html_escape(p.label));
    if (p.build_index % every == 0) {
      std::string b = p.build.size() > 10 ? p.build.substr(0, 10) : p.build;
      s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"10\" text-anchor=\"end\" "
                       "transform=\"rotate(-35 {:.1f} {})\">{}</text>",
                       cx, H - B + 12, cx, H - B + 12, html_escape(b));
    }
  }
  (void)unit;
  s += "</svg>";
  return s;
}

}  // namespace

json to_otava_json(const std::vector<HistoryRecord>& records) {
  json out = json::array();
  for (const auto& r : records) {
    json metrics = json::array();
    for (const auto& s : r.series)
      if (s.slope) metrics.push_back({{"name", s.series + ".slope_per_" + s.per}, {"value", *s.slope}});
    json attributes{{"build", r.build}, {"machine_class", r.machine_class}};
    if (!r.commit.empty()) attributes["commit"] = r.commit;
    if (!r.branch.empty()) attributes["branch"] = r.branch;
    out.push_back({{"timestamp", static_cast<long long>(std::llround(r.timestamp))},
                   {"metrics", std::move(metrics)},
                   {"attributes", std::move(attributes)}});
  }
  return out;
}

std::string history_html(const std::vector<HistoryRecord>& records, const std::string& title) {
  // Charts per machine class, series and budget unit, in first-seen order.
  std::vector<std::tuple<std::string, std::string, std::string>> keys;
  for (const auto& r : records)
    for (const auto& s : r.series) {
      auto k = std::make_tuple(r.machine_class, s.series, s.per);
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    }
  std::string h;
  h += "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
       "</title><style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}"
       "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;font-size:13px}"
       ".fail{color:#d62728;font-weight:600}.warn{color:#8c6d00}.legend span{margin-right:14px}</style></head><body>";
  h += "<h1>" + html_escape(title) + "</h1>";
  h += fmt::format("<p>{} build(s). Each point is one build's slope with its interval (the budget's one-sided "
                   "bounds); dashed violet lines are change points found by E-divisive means with a t-test.</p>",
                   records.size());
  h += "<p class=\"legend\"><span style=\"color:#1f77b4\">&#9679; pass</span><span style=\"color:#ff7f0e\">&#9679; "
       "budget failed</span><span style=\"color:#d62728\">&#9679; regression</span><span style=\"color:#bcbd22\">"
       "&#9679; regression (warn only)</span><span style=\"color:#7f7f7f\">&#9679; inconclusive</span></p>";
  for (const auto& [cls, series, per] : keys) {
    std::vector<Point> pts;
    std::vector<double> slopes;
    size_t n_builds = 0;
    for (const auto& r : records) {
      if (r.machine_class != cls) continue;
      for (const auto& s : r.series) {
        if (s.series != series || s.per != per || !s.slope) continue;
        Point p;
        p.build_index = n_builds;
        p.build = r.build;
        p.slope = *s.slope;
        p.lo = s.ci_low;
        p.hi = s.ci_high;
        p.limit = s.limit;
        p.color = s.regression == "fail" ? "#d62728"
                  : s.verdict == "fail"  ? "#ff7f0e"
                  : s.regression == "warn" ? "#bcbd22"
                  : s.verdict == "inconclusive" ? "#7f7f7f"
                                                : "#1f77b4";
        p.label = fmt::format("{} ({}): {}{}", r.build, r.time, rate(*s.slope, series, per),
                              p.lo && p.hi ? fmt::format(" [{}, {}]", rate(*p.lo, series, per), rate(*p.hi, series, per))
                                           : std::string());
        p.label += ", " + s.verdict + (s.regression.empty() ? "" : ", regression " + s.regression);
        pts.push_back(std::move(p));
        slopes.push_back(*s.slope);
      }
      ++n_builds;
    }
    if (pts.empty()) continue;
    // Index builds by their position among the builds holding this series.
    for (size_t i = 0; i < pts.size(); ++i) pts[i].build_index = i;
    auto cps = analysis::e_divisive(slopes, analysis::RegressionOptions{}.cp_alpha);
    h += fmt::format("<h2>{} <small>(per {}, machine {})</small></h2>", html_escape(series), html_escape(per),
                     html_escape(cls));
    h += svg_chart(pts, pts.size(), series, per, cps);
    for (const auto& cp : cps)
      if (cp.index < pts.size())
        h += fmt::format("<p>Change point at build <b>{}</b>: {} &rarr; {} (t-test p={:.2g})</p>",
                         html_escape(pts[cp.index].build), html_escape(rate(cp.mean_before, series, per)),
                         html_escape(rate(cp.mean_after, series, per)), cp.p);
  }
  h += "<h2>Builds</h2><table><tr><th>build</th><th>time</th><th>commit</th><th>machine</th><th>status</th>"
       "<th>series</th></tr>";
  for (const auto& r : records) {
    std::string cells;
    for (const auto& s : r.series) {
      std::string cls = s.regression == "fail" || s.verdict == "fail" ? "fail" : s.regression == "warn" ? "warn" : "";
      cells += fmt::format("<div class=\"{}\">{}</div>", cls, html_escape(series_cell(s)));
    }
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", html_escape(r.build),
                     html_escape(r.time), html_escape(r.commit.substr(0, 12)), html_escape(r.machine_class),
                     html_escape(r.status), cells);
  }
  h += "</table></body></html>\n";
  return h;
}

Result<int> history_command(const fs::path& file, const HistoryCommandOptions& options, std::ostream& out,
                            std::ostream& err) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return make_error(fmt::format("history {}: no such file", file.string()));
  auto h = read_history(file);
  if (!h) return h.error();
  for (const auto& w : h->warnings) err << "soak: warning: " << w << "\n";
  if (h->records.empty()) out << fmt::format("{}: no builds recorded\n", file.string());
  for (const auto& r : h->records) {
    std::string line = fmt::format("{:<14} {}", r.build, r.time);
    for (size_t i = 0; i < r.series.size(); ++i) line += (i ? "; " : "  ") + series_cell(r.series[i]);
    if (r.series.empty()) line += "  (no budgeted series)";
    out << line << "\n";
  }
  if (options.out) {
    fs::create_directories(*options.out, ec);
    if (ec) return make_error(fmt::format("--out {}: cannot create: {}", options.out->string(), ec.message()));
    fs::path page = *options.out / "history.html";
    SOAK_TRY(write_file(page, history_html(h->records, "soak build history: " + file.filename().string()), "--out"));
    out << "history page written to " << page.string() << "\n";
  }
  if (options.otava) {
    SOAK_TRY(write_file(*options.otava, to_otava_json(h->records).dump(2) + "\n", "--otava"));
    out << "Otava JSON written to " << options.otava->string() << "\n";
  }
  return 0;
}

}  // namespace soak
