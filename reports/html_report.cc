// report.html: one self-contained file a person reads top-down. Inline CSS,
// PNGs as data: URIs, no scripts, fonts, links or URLs of any kind, so it
// opens the same from a CI artifact, a mail attachment or an air-gapped box.
#include <fmt/format.h>

#include "common/units.h"
#include "reports/escape.h"
#include "reports/format.h"
#include "reports/writer.h"

namespace soak {

namespace {

constexpr const char* kStyle = R"css(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
main{max-width:1180px;margin:0 auto;padding:0 20px 40px}
.verdict{padding:22px 28px;color:#fff;margin-bottom:20px}
.verdict .big{font-size:44px;font-weight:700;letter-spacing:1px}
.verdict .sub{font-size:17px;margin-top:4px;opacity:.95}
.pass{background:#1a7f37}.fail{background:#cf222e}.inconclusive{background:#9a6700}
.sut_failed{background:#82071e}.interrupted{background:#57606a}.error{background:#6639ba}
section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:14px 18px;margin:16px 0}
h2{font-size:19px;margin:0 0 10px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{border-bottom:1px solid #d8dee4;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
.v-pass{color:#1a7f37;font-weight:700}.v-fail{color:#cf222e;font-weight:700}.v-inconclusive{color:#9a6700;font-weight:700}
figure{margin:8px 0 18px}figure img{max-width:100%;border:1px solid #d8dee4}
figcaption{font-size:13px;color:#57606a}
.note{background:#fff8c5;border:1px solid #d4a72c;padding:8px 12px;border-radius:4px}
pre{background:#0d1117;color:#e6edf3;padding:10px;overflow-x:auto;font-size:12px;max-height:600px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}dt{color:#57606a}dd{margin:0}
ul{margin:4px 0;padding-left:20px}
)css";

std::string h(std::string_view s) { return html_escape(s); }

std::string status_class(RunStatus s) { return std::string(to_string(s)); }

std::string verdict_class(Verdict v) { return "v-" + std::string(to_string(v)); }

bool notable(std::string_view e) {
  return e != "warmup_end" && e != "ready" && e != "launched" && e != "workload_started" &&
         e != "workload_end" && e != "run_end";
}

std::string event_detail(const Event& e) {
  std::string d;
  for (const auto& [k, v] : e.fields.items()) {
    if (k == "t" || k == "event" || k == "summary") continue;
    if (!d.empty()) d += ", ";
    d += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return d;
}

class HtmlWriter final : public ReportWriter {
 public:
  explicit HtmlWriter(const ReportContext& context) : ctx_(context) {}
  std::string_view name() const override { return "html"; }
  std::string_view file_name() const override { return "report.html"; }

  void write(const Summary& s, const RunData& data, std::ostream& out) const override {
    out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        // Defence in depth: even if some text slipped through unescaped, the
        // browser would load nothing and run nothing.
        << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
           "img-src data:; style-src 'unsafe-inline'\">\n"
        << "<title>soak: " << h(status_headline(s.status)) << "</title>\n<style>" << kStyle
        << "</style></head>\n<body>\n";
    verdict(s, data, out);
    out << "<main>\n";
    budgets(s, out);
    time_to_limit(s, out);
    plots(s, data, out);
    series_table(s, out);
    workload(s, out);
    culprits(s, out);
    events(data, out);
    facts(s, data, out);
    warnings(s, out);
    sut_log(out);
    out << "</main>\n</body></html>\n";
  }

 private:
  void verdict(const Summary& s, const RunData& data, std::ostream& out) const {
    size_t failed = 0, inconclusive = 0;
    for (const auto& b : s.budgets) {
      failed += b.verdict == Verdict::kFail;
      inconclusive += b.verdict == Verdict::kInconclusive;
    }
    out << "<header class=\"verdict " << status_class(s.status) << "\" id=\"verdict\">"
        << "<div class=\"big\">" << h(status_headline(s.status)) << "</div>"
        << "<div class=\"sub\">exit code " << s.exit_code << " &middot; " << failed << " of "
        << s.budgets.size() << " budgets exceeded, " << inconclusive << " inconclusive &middot; ran "
        << h(format_seconds(s.duration_s)) << "</div>";
    std::string sut = sut_failure(s, data);
    if (!sut.empty()) out << "<div class=\"sub\">" << h(sut) << "</div>";
    out << "</header>\n";
  }

  void budgets(const Summary& s, std::ostream& out) const {
    out << "<section id=\"budgets\"><h2>Budgets</h2>\n";
    if (s.budgets.empty()) {
      out << "<p>No budgets were set: nothing could fail.</p></section>\n";
      return;
    }
    out << "<table><thead><tr><th>Series</th><th>Budget</th><th>Observed [interval]</th>"
           "<th>Verdict</th><th>Reason</th></tr></thead><tbody>\n";
    for (const auto& b : s.budgets) {
      std::string series = b.series.empty() ? "unknown" : b.series;
      if (!b.alias.empty()) series += " (" + b.alias + ")";
      out << "<tr class=\"budget\"><td><code>" << h(series) << "</code></td><td><code>"
          << h(b.spec) << "</code></td><td class=\"num\">" << h(format_observed(b));
      if (b.mds) out << "<br><small>detectable: " << h(format_budget_value(b, *b.mds)) << "</small>";
      if (b.needed_s)
        out << "<br><small>run needed: " << h(format_seconds(*b.needed_s)) << "</small>";
      if (b.at_s) out << "<br><small>first breach at " << h(format_seconds(*b.at_s)) << "</small>";
      out << "</td><td class=\"" << verdict_class(b.verdict) << "\">" << h(verdict_word(b.verdict))
          << "</td><td>" << h(b.reason) << "</td></tr>\n";
    }
    out << "</tbody></table></section>\n";
  }

  void time_to_limit(const Summary& s, std::ostream& out) const {
    auto lines = time_to_limit_lines(s);
    if (lines.empty()) return;
    out << "<section id=\"time-to-limit\"><h2>Time to limit</h2><ul>";
    for (const auto& l : lines) out << "<li>" << h(l) << "</li>";
    out << "</ul></section>\n";
  }

  void plots(const Summary& s, const RunData& data, std::ostream& out) const {
    out << "<section id=\"plots\"><h2>Plots</h2>\n";
    if (!ctx_.plots_missing.empty())
      out << "<p class=\"note\" id=\"no-plots\">No plots: " << h(ctx_.plots_missing) << "</p>\n";
    for (const auto& p : ctx_.plots) {
      out << "<figure><img alt=\"" << h(p.series) << "\" src=\"data:image/png;base64,"
          << base64_encode(p.png) << "\"><figcaption><code>" << h(p.series) << "</code>";
      if (const SeriesSummary* ss = find_series_summary(s, p.series); ss && ss->trend) {
        const Trend& t = *ss->trend;
        out << ": " << h(t.signal) << " signal, " << h(t.method) << " slope "
            << h(format_value(t.slope_per_h, ss->unit)) << "/h";
        if (!t.note.empty()) out << " &middot; " << h(t.note);
      }
      out << "</figcaption></figure>\n";
    }
    if (ctx_.plots.empty() && ctx_.plots_missing.empty())
      out << "<p>No series to plot.</p>\n";
    (void)data;
    out << "</section>\n";
  }

  void series_table(const Summary& s, std::ostream& out) const {
    if (s.series.empty()) return;
    out << "<section id=\"series\"><h2>All series</h2><table><thead><tr><th>Series</th>"
           "<th>Samples</th><th>First</th><th>Last</th><th>Min</th><th>Max</th>"
           "<th>Slope/h [interval]</th><th>Signal</th></tr></thead><tbody>\n";
    for (const auto& x : s.series) {
      out << "<tr><td><code>" << h(x.name) << "</code></td><td class=\"num\">" << x.count
          << "</td><td class=\"num\">" << h(format_value(x.first, x.unit))
          << "</td><td class=\"num\">" << h(format_value(x.last, x.unit))
          << "</td><td class=\"num\">" << h(format_value(x.min, x.unit))
          << "</td><td class=\"num\">" << h(format_value(x.max, x.unit)) << "</td>";
      if (x.trend) {
        const Trend& t = *x.trend;
        out << "<td class=\"num\">" << h(format_value(t.slope_per_h, x.unit)) << " ["
            << h(format_value(t.ci_low_per_h, x.unit)) << ", "
            << h(format_value(t.ci_high_per_h, x.unit)) << "]</td><td>" << h(t.signal) << "</td>";
      } else {
        out << "<td>not fitted</td><td></td>";
      }
      out << "</tr>\n";
    }
    out << "</tbody></table></section>\n";
  }

  void workload(const Summary& s, std::ostream& out) const {
    if (!s.workload) return;
    const auto& w = *s.workload;
    out << "<section id=\"workload\"><h2>Workload</h2><dl>";
    out << "<dt>Requests</dt><dd>" << w.requests << "</dd>";
    out << "<dt>Errors</dt><dd>" << w.errors;
    for (const auto& [kind, n] : w.errors_by_kind) out << " &middot; " << h(kind) << ": " << n;
    out << "</dd>";
    out << "<dt>Rate</dt><dd>" << fmt::format("{:.1f}", w.rate_per_s) << " req/s";
    if (w.target_rate_per_s > 0)
      out << fmt::format(" (target {:.1f})", w.target_rate_per_s);
    out << "</dd>";
    auto lat = [&](const char* label, const std::optional<double>& v) {
      if (v) out << "<dt>" << label << "</dt><dd>" << fmt::format("{:.2f} ms", *v) << "</dd>";
    };
    lat("Latency p50", w.p50_ms);
    lat("Latency p99", w.p99_ms);
    lat("Latency p99.9", w.p999_ms);
    lat("Latency max", w.max_ms);
    if (w.dropped) out << "<dt>Dropped</dt><dd>" << w.dropped << " (all connections busy)</dd>";
    if (w.restarts) out << "<dt>Restarts</dt><dd>" << w.restarts << "</dd>";
    out << "</dl></section>\n";
  }

  void culprits(const Summary& s, std::ostream& out) const {
    if (s.culprits.empty()) return;
    out << "<section id=\"culprits\"><h2>Culprits</h2>";
    // Native allocation sites first, one line each.
    bool native = false;
    for (const auto& c : s.culprits)
      if (c.kind == "native_heap") {
        out << (native ? "" : "<ul class=\"native-culprits\">") << "<li>" << h(native_culprit_line(c)) << "</li>";
        native = true;
      }
    if (native) out << "</ul>\n";
    out << "<table><thead><tr><th>Kind</th>"
           "<th>Function</th><th>Location</th><th>Before &rarr; after</th><th>Frames</th>"
           "</tr></thead><tbody>\n";
    for (const auto& c : s.culprits) {
      std::string unit = culprit_unit(c);
      out << "<tr><td>" << h(c.kind);
      if (!c.wait.empty()) out << "<br><small>" << h(c.wait) << "</small>";
      out << "</td><td><code>" << h(c.function) << "</code></td><td><code>" << h(c.location)
          << "</code></td><td class=\"num\">" << h(format_value(c.before, unit)) << " &rarr; "
          << h(format_value(c.after, unit)) << "</td><td><pre>";
      for (const auto& f : c.frames) out << h(f) << "\n";
      out << "</pre></td></tr>\n";
    }
    out << "</tbody></table></section>\n";
  }

  void events(const RunData& data, std::ostream& out) const {
    size_t shown = 0;
    for (const auto& e : data.events) {
      if (!notable(e.event)) continue;
      if (shown == 0)
        out << "<section id=\"events\"><h2>Events</h2><table><thead><tr><th>At</th>"
               "<th>Event</th><th>Details</th></tr></thead><tbody>\n";
      if (++shown > 200) {
        out << "<tr><td colspan=\"3\">&hellip; more in events.jsonl</td></tr>\n";
        break;
      }
      out << "<tr><td class=\"num\">" << h(format_seconds(e.t)) << "</td><td><code>"
          << h(e.event) << "</code></td><td>" << h(event_detail(e)) << "</td></tr>\n";
    }
    if (shown) out << "</tbody></table></section>\n";
  }

  void facts(const Summary& s, const RunData& data, std::ostream& out) const {
    out << "<section id=\"run\"><h2>Run</h2><dl>";
    auto row = [&](const char* k, const std::string& v) {
      out << "<dt>" << k << "</dt><dd>" << h(v) << "</dd>";
    };
    std::string cmd;
    for (const auto& a : s.command) cmd += (cmd.empty() ? "" : " ") + a;
    if (cmd.empty() && data.run.is_object() && data.run.contains("command") && data.run["command"].is_array())
      out << "<dt>Command</dt><dd>none: soak observed a service it did not launch</dd>";
    else
      out << "<dt>Command</dt><dd><code>" << h(cmd.empty() ? "unknown" : cmd) << "</code></dd>";
    row("Started (UTC)", run_fact(data, "start_utc"));
    row("Duration", format_seconds(s.duration_s));
    row("Warm-up", s.warmup_s ? format_seconds(*s.warmup_s) : std::string("unknown"));
    row("Interval", format_seconds(s.interval_s));
    row("Samples", std::to_string(s.samples));
    if (s.ready_s) row("Ready after", format_seconds(*s.ready_s));
    if (s.pid) row("PID", std::to_string(*s.pid));
    row("Host", run_fact(data, "hostname"));
    row("Kernel", run_fact(data, "kernel"));
    row("Cores", run_fact(data, "cores"));
    row("Memory", run_fact(data, "memory_bytes"));
    row("soak version", run_fact(data, "version"));
    out << "</dl></section>\n";
  }

  // The summary's warnings already hold the run directory's own (
  // assemble_summary copies data.warnings in): listing both doubled them.
  void warnings(const Summary& s, std::ostream& out) const {
    if (s.warnings.empty()) return;
    out << "<section id=\"warnings\"><h2>Warnings</h2><ul>";
    for (const auto& w : s.warnings) out << "<li>" << h(w) << "</li>";
    out << "</ul></section>\n";
  }

  void sut_log(std::ostream& out) const {
    out << "<section id=\"sut-log\"><h2>SUT log</h2>";
    if (!ctx_.sut_log_note.empty()) out << "<p>" << h(ctx_.sut_log_note) << "</p>";
    if (!ctx_.sut_log_tail.empty()) {
      out << "<pre>";
      for (const auto& line : ctx_.sut_log_tail) out << h(line) << "\n";
      out << "</pre>";
    }
    out << "</section>\n";
  }

  const ReportContext& ctx_;
};

}  // namespace

std::string_view report_css() { return kStyle; }

std::unique_ptr<ReportWriter> make_html_writer(const ReportContext& context) {
  return std::make_unique<HtmlWriter>(context);
}

}  // namespace soak
