// junit.xml: one <testcase> per budget plus "SUT stayed up", in the shape
// common CI reporters accept (REFERENCE.md "GitHub Actions").
#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "reports/escape.h"
#include "reports/format.h"
#include "reports/writer.h"

namespace soak {

namespace {

std::string timestamp(const RunData& data) {
  std::string t = run_fact(data, "start_utc");
  if (t != "unknown") {
    // JUnit's schema wants an ISO 8601 time without a zone designator.
    if (!t.empty() && t.back() == 'Z') t.pop_back();
    return t;
  }
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}", now);
}

class JunitWriter final : public ReportWriter {
 public:
  std::string_view name() const override { return "junit"; }
  std::string_view file_name() const override { return "junit.xml"; }

  void write(const Summary& s, const RunData& data, std::ostream& out) const override {
    size_t failures = 0, skipped = 0;
    for (const auto& b : s.budgets) {
      failures += b.verdict == Verdict::kFail;
      skipped += b.verdict == Verdict::kInconclusive;
    }
    std::string sut = sut_failure(s, data);
    failures += !sut.empty();
    bool harness_error = s.status == RunStatus::kError;
    size_t tests = s.budgets.size() + 1 + harness_error;
    std::string time = fmt::format("{:.3f}", s.duration_s);

    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out << fmt::format(
        "<testsuite name=\"soak\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
        "time=\"{}\" timestamp=\"{}\">\n",
        tests, failures, harness_error ? 1 : 0, skipped, time, xml_escape(timestamp(data)));

    for (const auto& b : s.budgets) {
      out << fmt::format("  <testcase name=\"{}\" classname=\"soak.budget.{}\" time=\"{}\">\n",
                         xml_escape(b.spec), xml_escape(b.series.empty() ? "unknown" : b.series),
                         time);
      std::string detail = fmt::format("budget {} on {}: observed {}, limit {}; {}", b.spec,
                                       b.series, format_observed(b),
                                       format_budget_value(b, b.limit), b.reason);
      if (b.verdict == Verdict::kFail) {
        std::string type = b.kind == "level" ? "level_exceeded" : "slope_exceeded";
        out << fmt::format("    <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                           xml_escape(b.reason.empty() ? "budget exceeded" : b.reason), type,
                           xml_escape(detail));
      } else if (b.verdict == Verdict::kInconclusive) {
        std::string why = b.reason.rfind("inconclusive", 0) == 0 ? b.reason
                                                                  : "inconclusive: " + b.reason;
        out << fmt::format("    <skipped message=\"{}\"/>\n", xml_escape(why));
      }
      out << fmt::format("    <system-out>{}</system-out>\n", xml_escape(detail));
      out << "  </testcase>\n";
    }

    out << fmt::format("  <testcase name=\"SUT stayed up\" classname=\"soak.sut\" time=\"{}\">\n",
                       time);
    if (!sut.empty())
      out << fmt::format("    <failure message=\"{}\" type=\"sut_failed\">{}</failure>\n",
                         xml_escape(sut), xml_escape(sut));
    out << fmt::format("    <system-out>{}</system-out>\n",
                       xml_escape(sut.empty() ? "the SUT ran for the whole run" : sut));
    out << "  </testcase>\n";

    if (harness_error) {
      std::string why = s.warnings.empty() ? "internal error of the harness" : s.warnings.back();
      out << fmt::format("  <testcase name=\"harness\" classname=\"soak.harness\" time=\"{}\">\n",
                         time);
      out << fmt::format("    <error message=\"{}\" type=\"internal_error\">{}</error>\n",
                         xml_escape(why), xml_escape(why));
      out << "  </testcase>\n";
    }
    out << "</testsuite>\n";
  }
};

}  // namespace

std::unique_ptr<ReportWriter> make_junit_writer() { return std::make_unique<JunitWriter>(); }

}  // namespace soak
