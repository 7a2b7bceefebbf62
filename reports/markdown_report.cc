// summary.md for $GITHUB_STEP_SUMMARY: the verdict, the budget table and the
// key figures, link-free (the full report is an artifact, not a URL).
#include <fmt/format.h>

#include "common/units.h"
#include "reports/escape.h"
#include "reports/format.h"
#include "reports/writer.h"

namespace soak {

namespace {

std::string verdict_mark(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "✅ pass";
    case Verdict::kFail: return "❌ FAIL";
    case Verdict::kInconclusive: return "⚠️ inconclusive";
  }
  return "⚠️ inconclusive";
}

std::string status_mark(RunStatus s) {
  switch (s) {
    case RunStatus::kPass: return "✅";
    case RunStatus::kInconclusive: return "⚠️";
    case RunStatus::kInterrupted: return "⏹️";
    default: return "❌";
  }
}

std::string code(std::string_view text) {
  // A code span cannot hold a backtick; the cell escaping covers the rest.
  std::string t(text);
  for (char& c : t)
    if (c == '`' || c == '|' || c == '\n' || c == '\r') c = c == '|' ? '/' : ' ';
  return "`" + t + "`";
}

class MarkdownWriter final : public ReportWriter {
 public:
  std::string_view name() const override { return "markdown"; }
  std::string_view file_name() const override { return "summary.md"; }

  void write(const Summary& s, const RunData& data, std::ostream& out) const override {
    size_t failed = 0, inconclusive = 0;
    for (const auto& b : s.budgets) {
      failed += b.verdict == Verdict::kFail;
      inconclusive += b.verdict == Verdict::kInconclusive;
    }
    out << fmt::format("## soak: {} {} (exit code {})\n\n", status_mark(s.status),
                       status_headline(s.status), s.exit_code);
    out << fmt::format("{} of {} budget{} exceeded, {} inconclusive. ", failed, s.budgets.size(),
                       s.budgets.size() == 1 ? "" : "s", inconclusive);
    out << fmt::format("Ran {}", format_seconds(s.duration_s));
    if (s.warmup_s) out << fmt::format(" (warm-up {})", format_seconds(*s.warmup_s));
    out << fmt::format(", {} samples every {}.\n\n", s.samples, format_seconds(s.interval_s));

    std::string sut = sut_failure(s, data);
    if (!sut.empty()) out << "**SUT failed:** " << markdown_cell(sut) << "\n\n";

    if (!s.budgets.empty()) {
      out << "| Budget | Series | Observed [interval] | Limit | Verdict | Reason |\n";
      out << "|---|---|---|---|---|---|\n";
      for (const auto& b : s.budgets) {
        std::string series = b.series.empty() ? "unknown" : b.series;
        if (!b.alias.empty()) series += " (" + b.alias + ")";
        out << fmt::format("| {} | {} | {} | {} | {} | {} |\n", code(b.spec),
                           markdown_cell(series), markdown_cell(format_observed(b)),
                           markdown_cell(format_budget_value(b, b.limit)),
                           verdict_mark(b.verdict), markdown_cell(b.reason));
      }
      out << "\n";
    } else {
      out << "No budgets were set.\n\n";
    }

    if (auto lines = time_to_limit_lines(s); !lines.empty()) {
      out << "### Time to limit\n\n";
      for (const auto& l : lines) out << "- " << markdown_cell(l) << "\n";
      out << "\n";
    }

    auto plotted = plotted_series(s, data);
    bool any = false;
    for (const auto& name : plotted) {
      const SeriesSummary* ss = find_series_summary(s, name);
      if (!ss) continue;
      if (!any) {
        out << "### Key figures\n\n| Series | First | Last | Min | Max | Trend |\n";
        out << "|---|---|---|---|---|---|\n";
        any = true;
      }
      std::string trend = "not fitted";
      if (ss->trend)
        trend = fmt::format("{}/h [{}/h, {}/h]", format_value(ss->trend->slope_per_h, ss->unit),
                            format_value(ss->trend->ci_low_per_h, ss->unit),
                            format_value(ss->trend->ci_high_per_h, ss->unit));
      out << fmt::format("| {} | {} | {} | {} | {} | {} |\n", markdown_cell(name),
                         markdown_cell(format_value(ss->first, ss->unit)),
                         markdown_cell(format_value(ss->last, ss->unit)),
                         markdown_cell(format_value(ss->min, ss->unit)),
                         markdown_cell(format_value(ss->max, ss->unit)), markdown_cell(trend));
    }
    if (any) out << "\n";

    if (s.workload) {
      const auto& w = *s.workload;
      out << fmt::format("**Workload:** {} requests, {} errors, {:.1f} req/s", w.requests,
                         w.errors, w.rate_per_s);
      if (w.p50_ms) out << fmt::format(", p50 {:.2f} ms", *w.p50_ms);
      if (w.p99_ms) out << fmt::format(", p99 {:.2f} ms", *w.p99_ms);
      if (w.restarts) out << fmt::format(", {} restarts", w.restarts);
      out << "\n\n";
    }
    if (!s.culprits.empty()) {
      out << "### Culprits\n\n";
      // Native allocation sites first, one line each.
      bool native = false;
      for (const auto& c : s.culprits)
        if (c.kind == "native_heap") {
          out << "- " << markdown_cell(native_culprit_line(c)) << "\n";
          native = true;
        }
      if (native) out << "\n";
      out << "| Kind | Function | Location | Before | After |\n";
      out << "|---|---|---|---|---|\n";
      for (const auto& c : s.culprits) {
        std::string unit = culprit_unit(c);
        out << fmt::format("| {} | {} | {} | {} | {} |\n", markdown_cell(c.kind),
                           code(c.function), markdown_cell(c.location),
                           markdown_cell(format_value(c.before, unit)),
                           markdown_cell(format_value(c.after, unit)));
      }
      out << "\n";
    }
    if (!s.warnings.empty()) {
      out << "### Warnings\n\n";
      for (const auto& w : s.warnings) out << "- " << markdown_cell(w) << "\n";
      out << "\n";
    }
    out << "Plots, events and the SUT log are in report.html in the run directory.\n";
  }
};

}  // namespace

std::unique_ptr<ReportWriter> make_markdown_writer() {
  return std::make_unique<MarkdownWriter>();
}

}  // namespace soak
