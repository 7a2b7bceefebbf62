#include "reports/fleet_report.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "common/posix.h"
#include "common/series.h"
#include "common/units.h"
#include "reports/downsample.h"
#include "reports/escape.h"
#include "reports/format.h"
#include "reports/github.h"

namespace soak {

namespace {

constexpr const char* kFleetStyle = R"css(
.grid{display:flex;flex-wrap:wrap;gap:10px}
.multiple{border:1px solid #d8dee4;border-radius:4px;padding:4px 6px;font-size:12px;width:244px}
.multiple.fail{border:2px solid #cf222e;background:#fff}.multiple.outlier{outline:3px solid #bf8700}
.multiple svg{display:block}
td.v-fail,td.v-pass,td.v-inconclusive{white-space:nowrap}
.flag{color:#9a6700;font-weight:700}
)css";

std::string h(std::string_view s) { return html_escape(s); }

std::string verdict_class(Verdict v) { return "v-" + std::string(to_string(v)); }

// A robust z as shown: "27.3", or "≥ 1e6" when the fleet's spread was zero.
std::string z_text(double z) { return z >= 1e6 ? std::string("\u2265 1e6") : fmt::format("{:.1f}", z); }

const FleetOutlier* outlier_of(const FleetSummary& s, const std::string& instance, const std::string& series) {
  for (const auto& o : s.outliers)
    if (o.instance == instance && (series.empty() || o.series == series)) return &o;
  return nullptr;
}

const SeriesData* series_of(const RunData* d, const std::string& name) { return d ? d->find(name) : nullptr; }

// The series that get small multiples: budgeted ones (as resolved), then the
// series of outliers.
std::vector<std::string> multiple_series(const FleetSummary& s) {
  std::vector<std::string> out;
  auto add = [&](const std::string& n) {
    if (!n.empty() && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  for (const auto& i : s.instances)
    for (const auto& b : i.summary.budgets) add(b.series);
  for (const auto& o : s.outliers) add(o.series);
  return out;
}

// One small plot: the samples (min/max downsampled), the fitted line over
// the post-warm-up part, on the y range shared by the whole row.
void small_svg(const SeriesData& d, const SeriesSummary* ss, double t_end, double y_lo, double y_hi,
               std::ostream& out) {
  constexpr double W = 232, H = 80, pad = 2;
  auto x = [&](double t) { return pad + (W - 2 * pad) * (t_end > 0 ? t / t_end : 0); };
  auto y = [&](double v) { return H - pad - (H - 2 * pad) * (y_hi > y_lo ? (v - y_lo) / (y_hi - y_lo) : 0.5); };
  out << fmt::format("<svg width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\">", W, H, W, H);
  out << fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#f6f8fa\"/>", W, H);
  if (ss && ss->trend && ss->trend->warmup_end_s > 0)
    out << fmt::format("<rect x=\"0\" y=\"0\" width=\"{:.1f}\" height=\"{}\" fill=\"#eaeef2\"/>",
                       x(ss->trend->warmup_end_s), H);
  Downsampled ds = downsample_minmax(d.t, d.v, 115);
  out << "<polyline fill=\"none\" stroke=\"#0969da\" stroke-width=\"1\" points=\"";
  for (size_t i = 0; i < ds.t.size(); ++i) out << fmt::format("{:.1f},{:.1f} ", x(ds.t[i]), y(ds.v[i]));
  out << "\"/>";
  if (ss && ss->trend) {
    const Trend& t = *ss->trend;
    double t0 = t.warmup_end_s, t1 = t_end;
    auto fit = [&](double tt) { return t.fit_y0 + t.slope_per_h * (tt - t.fit_t0_s) / 3600; };
    out << fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#cf222e\" "
                       "stroke-width=\"1.5\" stroke-dasharray=\"4 2\"/>",
                       x(t0), std::clamp(y(fit(t0)), 0.0, H), x(t1), std::clamp(y(fit(t1)), 0.0, H));
  }
  out << "</svg>";
}

}  // namespace

void write_fleet_html(const FleetSummary& s, const std::vector<const RunData*>& data, std::ostream& out) {
  const Summary& top = s.fleet;
  size_t failed = 0;
  for (const auto& i : s.instances) failed += i.summary.status == RunStatus::kFail;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "img-src data:; style-src 'unsafe-inline'\">\n"
      << "<title>soak fleet: " << h(status_headline(top.status)) << "</title>\n<style>" << report_css()
      << kFleetStyle << "</style></head>\n<body>\n";
  out << "<header class=\"verdict " << to_string(top.status) << "\" id=\"verdict\"><div class=\"big\">"
      << h(status_headline(top.status)) << "</div><div class=\"sub\">exit code " << top.exit_code << " &middot; "
      << failed << " of " << s.instances.size() << " instances failed &middot; " << s.outliers.size()
      << " outlier" << (s.outliers.size() == 1 ? "" : "s") << " &middot; window "
      << h(format_seconds(s.source.end_unix - s.source.start_unix)) << " from " << h(utc_text(s.source.start_unix))
      << "</div></header>\n<main>\n";

  // Instances x budgets.
  out << "<section id=\"instances\"><h2>Instances &times; budgets</h2>\n<table><thead><tr><th>"
      << h(s.source.by) << "</th><th>Status</th>";
  for (const auto& b : top.budgets) out << "<th><code>" << h(b.spec) << "</code></th>";
  out << "<th>Outlier</th></tr></thead><tbody>\n";
  for (const auto& i : s.instances) {
    out << "<tr class=\"instance\"><td><code>" << h(i.name) << "</code></td><td class=\""
        << (i.summary.status == RunStatus::kFail ? "v-fail" : "") << "\">" << h(status_headline(i.summary.status))
        << "</td>";
    for (const auto& b : i.summary.budgets)
      out << "<td class=\"" << verdict_class(b.verdict) << "\" title=\"" << h(b.reason) << "\">"
          << h(verdict_word(b.verdict)) << "<br><small>" << h(format_observed(b)) << "</small></td>";
    out << "<td>";
    for (const auto& o : s.outliers)
      if (o.instance == i.name)
        out << "<span class=\"flag\">" << h(o.series) << "</span> <small>z " << h(z_text(o.z)) << "</small><br>";
    out << "</td></tr>\n";
  }
  if (top.budgets.empty())
    out << "<tr><td colspan=\"3\">No budgets were set: nothing could fail.</td></tr>\n";
  out << "</tbody></table></section>\n";

  // Outliers.
  out << "<section id=\"outliers\"><h2>Outliers</h2>\n";
  if (s.outliers.empty()) {
    out << "<p>No instance's slope sits far above the fleet's (robust z &gt; 3.5 against the median and MAD"
        << (s.instances.size() < 3 ? "; needs at least 3 instances" : "") << ").</p>\n";
  } else {
    out << "<table><thead><tr><th>" << h(s.source.by)
        << "</th><th>Series</th><th>Slope</th><th>Fleet median</th><th>Robust z</th><th>Budget</th></tr></thead>"
           "<tbody>\n";
    for (const auto& o : s.outliers) {
      std::string unit = series_unit(o.series);
      out << "<tr class=\"outlier\"><td><code>" << h(o.instance) << "</code></td><td><code>" << h(o.series)
          << "</code></td><td class=\"num\">" << h(format_value(o.slope_per_h, unit)) << "/h</td><td class=\"num\">"
          << h(format_value(o.fleet_median_per_h, unit)) << "/h</td><td class=\"num\">"
          << h(z_text(o.z)) << "</td><td>"
          << (o.within_budget ? "within budget" : "failed") << "</td></tr>\n";
    }
    out << "</tbody></table>\n";
  }
  out << "</section>\n";

  // Small multiples.
  double t_end = s.source.end_unix - s.source.start_unix;
  for (const auto& name : multiple_series(s)) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (size_t k = 0; k < s.instances.size() && k < data.size(); ++k)
      if (const SeriesData* d = series_of(data[k], name))
        for (double v : d->v) lo = std::min(lo, v), hi = std::max(hi, v);
    std::string unit = series_unit(name);
    out << "<section class=\"multiples\"><h2><code>" << h(name) << "</code> per " << h(s.source.by) << "</h2>";
    if (!(hi >= lo)) {
      out << "<p>No instance has samples of this series.</p></section>\n";
      continue;
    }
    out << "<p><small>shared scale " << h(format_value(lo, unit)) << " &ndash; " << h(format_value(hi, unit))
        << "; dashed: the fitted slope after warm-up (shaded)</small></p><div class=\"grid\">\n";
    for (size_t k = 0; k < s.instances.size() && k < data.size(); ++k) {
      const auto& inst = s.instances[k];
      const SeriesData* d = series_of(data[k], name);
      const SeriesSummary* ss = nullptr;
      for (const auto& x : inst.summary.series)
        if (x.name == name) ss = &x;
      bool fail = false;
      for (const auto& b : inst.summary.budgets) fail = fail || (b.series == name && b.verdict == Verdict::kFail);
      bool outlier = outlier_of(s, inst.name, name) != nullptr;
      out << "<figure class=\"multiple" << (fail ? " fail" : "") << (outlier ? " outlier" : "") << "\">";
      if (d && !d->t.empty()) small_svg(*d, ss, t_end, lo, hi, out);
      else out << "<p>no samples</p>";
      out << "<figcaption><code>" << h(inst.name) << "</code>";
      if (ss && ss->trend) out << " " << h(format_value(ss->trend->slope_per_h, unit)) << "/h";
      if (fail) out << " <span class=\"v-fail\">FAIL</span>";
      if (outlier) out << " <span class=\"flag\">outlier</span>";
      out << "</figcaption></figure>\n";
    }
    out << "</div></section>\n";
  }

  // Source.
  const FleetSource& src = s.source;
  out << "<section id=\"source\"><h2>Source</h2><dl>";
  auto row = [&](const char* k, const std::string& v) { out << "<dt>" << k << "</dt><dd>" << h(v) << "</dd>"; };
  row("Server", src.prometheus);
  row("Selector", src.select);
  row("One series set per", src.by);
  row("Window (UTC)", utc_text(src.start_unix) + " to " + utc_text(src.end_unix) + " (" + src.mode + ")");
  row("Step", fmt::format("{}s ({})", src.step_s, src.step_from));
  row("Requests", fmt::format("{} ({} range chunks of at most 11,000 points per series)", src.requests, src.chunks));
  out << "<dt>Queries</dt><dd>";
  for (const auto& q : src.queries) out << "<code>" << h(q) << "</code><br>";
  out << "</dd>";
  if (!src.header_names.empty()) {
    std::string names;
    for (const auto& n : src.header_names) names += (names.empty() ? "" : ", ") + n;
    row("Headers sent", names + " (values not shown)");
  }
  out << "</dl></section>\n";

  if (!top.warnings.empty()) {
    out << "<section id=\"warnings\"><h2>Warnings</h2><ul>";
    for (const auto& w : top.warnings) out << "<li>" << h(w) << "</li>";
    out << "</ul></section>\n";
  }
  out << "</main>\n</body></html>\n";
}

void write_fleet_junit(const FleetSummary& s, std::ostream& out) {
  size_t tests = 0, failures = 0, skipped = 0;
  for (const auto& i : s.instances)
    for (const auto& b : i.summary.budgets) {
      ++tests;
      failures += b.verdict == Verdict::kFail;
      skipped += b.verdict == Verdict::kInconclusive;
    }
  std::string time = fmt::format("{:.3f}", s.source.end_unix - s.source.start_unix);
  std::string stamp = utc_text(s.source.start_unix);
  stamp.pop_back();  // JUnit's schema wants no zone designator
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << fmt::format("<testsuite name=\"soak fleet\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" "
                     "time=\"{}\" timestamp=\"{}\">\n",
                     tests, failures, skipped, time, xml_escape(stamp));
  for (const auto& i : s.instances) {
    for (const auto& b : i.summary.budgets) {
      out << fmt::format("  <testcase name=\"{}={} {}\" classname=\"soak.fleet.{}\" time=\"{}\">\n",
                         xml_escape(s.source.by), xml_escape(i.name), xml_escape(b.spec),
                         xml_escape(b.series.empty() ? "unknown" : b.series), time);
      std::string detail = fmt::format("{}={}: budget {} on {}: observed {}, limit {}; {}", s.source.by, i.name,
                                       b.spec, b.series, format_observed(b), format_budget_value(b, b.limit),
                                       b.reason);
      if (b.verdict == Verdict::kFail)
        out << fmt::format("    <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                           xml_escape(b.reason.empty() ? "budget exceeded" : b.reason),
                           b.kind == "level" ? "level_exceeded" : "slope_exceeded", xml_escape(detail));
      else if (b.verdict == Verdict::kInconclusive)
        out << fmt::format("    <skipped message=\"{}\"/>\n", xml_escape(b.reason));
      out << fmt::format("    <system-out>{}</system-out>\n", xml_escape(detail));
      out << "  </testcase>\n";
    }
  }
  out << "</testsuite>\n";
}

void write_fleet_markdown(const FleetSummary& s, std::ostream& out) {
  const Summary& top = s.fleet;
  size_t failed = 0;
  for (const auto& i : s.instances) failed += i.summary.status == RunStatus::kFail;
  out << fmt::format("## soak fleet: {} (exit code {})\n\n", status_headline(top.status), top.exit_code);
  out << fmt::format("{} of {} instances failed, {} outlier{}. Window {} from {}, step {}s, selector {}.\n\n", failed,
                     s.instances.size(), s.outliers.size(), s.outliers.size() == 1 ? "" : "s",
                     format_seconds(s.source.end_unix - s.source.start_unix), utc_text(s.source.start_unix),
                     s.source.step_s, markdown_cell(s.source.select));
  if (!top.budgets.empty()) {
    out << "| " << markdown_cell(s.source.by) << " | Status |";
    for (const auto& b : top.budgets) out << " " << markdown_cell(b.spec) << " |";
    out << "\n|---|---|";
    for (size_t k = 0; k < top.budgets.size(); ++k) out << "---|";
    out << "\n";
    for (const auto& i : s.instances) {
      out << "| " << markdown_cell(i.name) << " | " << markdown_cell(status_headline(i.summary.status)) << " |";
      for (const auto& b : i.summary.budgets)
        out << " " << markdown_cell(verdict_word(b.verdict) + " " + format_observed(b)) << " |";
      out << "\n";
    }
    out << "\n";
  } else {
    out << "No budgets were set.\n\n";
  }
  if (!s.outliers.empty()) {
    out << "### Outliers\n\n| " << markdown_cell(s.source.by) << " | Series | Slope | Fleet median | z |\n|---|---|---|---|---|\n";
    for (const auto& o : s.outliers) {
      std::string unit = series_unit(o.series);
      out << fmt::format("| {} | {} | {}/h | {}/h | {} |\n", markdown_cell(o.instance), markdown_cell(o.series),
                         markdown_cell(format_value(o.slope_per_h, unit)),
                         markdown_cell(format_value(o.fleet_median_per_h, unit)), markdown_cell(z_text(o.z)));
    }
    out << "\n";
  }
  if (!top.warnings.empty()) {
    out << "### Warnings\n\n";
    for (const auto& w : top.warnings) out << "- " << markdown_cell(w) << "\n";
    out << "\n";
  }
  out << "Small multiples per budgeted series are in report.html in the run directory.\n";
}

Result<std::vector<std::string>> write_fleet_reports(const std::filesystem::path& dir, const FleetSummary& s,
                                                     const std::vector<const RunData*>& data,
                                                     const ReportOptions& options) {
  std::vector<std::string> warnings;
  SOAK_TRY(write_file_atomic(dir / "summary.json", to_json(s).dump(2) + "\n"));
  std::ostringstream junit, md, html;
  write_fleet_junit(s, junit);
  SOAK_TRY(write_file_atomic(dir / "junit.xml", junit.str()));
  write_fleet_markdown(s, md);
  SOAK_TRY(write_file_atomic(dir / "summary.md", md.str()));
  write_fleet_html(s, data, html);
  SOAK_TRY(write_file_atomic(dir / "report.html", html.str()));
  if (options.github_actions && options.step_summary)
    if (Status st = append_step_summary(*options.step_summary, md.str()); !st.ok()) warnings.push_back(st.message());
  return warnings;
}

}  // namespace soak
