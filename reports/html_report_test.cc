// report.html sections that the full fixture does not reach: culprits (Go and
// native, the latter also in summary.md), a failed SUT, an interrupted run, an
// empty run. Rendered with the writers directly (no plotting), checked on the
// text.
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reports/writer.h"

namespace soak {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string render(const Summary& s, const RunData& d, const ReportContext& ctx = {}) {
  auto w = make_report_writer("html", ctx);
  std::ostringstream out;
  w->write(s, d, out);
  return out.str();
}

TEST(HtmlReport, CulpritsAreTabulatedAndEscaped) {
  Summary s;
  s.status = RunStatus::kFail;
  s.exit_code = 1;
  Culprit c;
  c.kind = "goroutines";
  c.function = "main.worker.func1<T>";
  c.location = "worker.go:42";
  c.frames = {"main.worker.func1 worker.go:42", "runtime.gopark proc.go:363"};
  c.before = 3;
  c.after = 1203;
  c.wait = "chan receive";
  s.culprits = {c};
  std::string html = render(s, RunData{});
  EXPECT_THAT(html, HasSubstr("id=\"culprits\""));
  EXPECT_THAT(html, HasSubstr("main.worker.func1&lt;T&gt;"));
  EXPECT_THAT(html, HasSubstr("worker.go:42"));
  EXPECT_THAT(html, HasSubstr("3 &rarr; 1203"));
  EXPECT_THAT(html, HasSubstr("chan receive"));
  EXPECT_THAT(html, HasSubstr("runtime.gopark proc.go:363"));
}

TEST(HtmlReport, NativeAllocationSitesAreListedInOneLineEachAndInSummaryMd) {
  Summary s;
  s.status = RunStatus::kFail;
  s.exit_code = 1;
  Culprit c;
  c.kind = "native_heap";
  c.function = "handle_request";
  c.location = "server.cc:212";
  c.frames = {"operator new (libstdc++.so.6)", "handle_request /src/server.cc:212"};
  c.before = 1.2 * 1048576;
  c.after = 48.0 * 1048576;
  s.culprits = {c};
  std::string html = render(s, RunData{});
  EXPECT_THAT(html, HasSubstr("<li>heap 1.20 MiB -&gt; 48.0 MiB at handle_request (server.cc:212)</li>"));
  EXPECT_THAT(html, HasSubstr("1.20 MiB &rarr; 48.0 MiB"));  // the table's figures are bytes
  auto md = make_report_writer("markdown", {});
  std::ostringstream out;
  md->write(s, RunData{}, out);
  EXPECT_THAT(out.str(), HasSubstr("- heap 1.20 MiB -\\> 48.0 MiB at handle\\_request (server.cc:212)\n"));
  EXPECT_THAT(out.str(), HasSubstr("| native\\_heap | `handle_request` | server.cc:212 | 1.20 MiB | 48.0 MiB |"));
}

TEST(HtmlReport, FailedSutLeadsTheVerdict) {
  Summary s;
  s.status = RunStatus::kSutFailed;
  s.exit_code = 3;
  s.exit = SutExit{std::nullopt, "SIGKILL", true};
  std::string html = render(s, RunData{});
  EXPECT_THAT(html, HasSubstr("class=\"verdict sut_failed\""));
  EXPECT_THAT(html, HasSubstr(">SUT FAILED<"));
  EXPECT_THAT(html, HasSubstr("exit code 3"));
  EXPECT_THAT(html, HasSubstr("the SUT was killed by the kernel OOM killer during the run"));
}

TEST(HtmlReport, EmptyRunSaysSoInsteadOfFailing) {
  Summary s;
  s.status = RunStatus::kInterrupted;
  s.exit_code = 130;
  ReportContext ctx;
  ctx.sut_log_note = "sut.log is absent (no output captured).";
  std::string html = render(s, RunData{}, ctx);
  EXPECT_THAT(html, HasSubstr(">INTERRUPTED<"));
  EXPECT_THAT(html, HasSubstr("exit code 130"));
  EXPECT_THAT(html, HasSubstr("No budgets were set"));
  EXPECT_THAT(html, HasSubstr("No series to plot."));
  EXPECT_THAT(html, HasSubstr("sut.log is absent"));
  EXPECT_THAT(html, HasSubstr("<dt>Host</dt><dd>unknown</dd>"));  // minimal run.json
  EXPECT_THAT(html, Not(HasSubstr("<img")));
}

TEST(HtmlReport, LogTailAndWarningsAreEscaped) {
  Summary s;
  // assemble_summary copies the run directory's warnings into the summary.
  s.warnings = {"probe \"go\": <timeout>", "samples.jsonl: line 9 is truncated & ignored"};
  RunData d;
  d.warnings = {"samples.jsonl: line 9 is truncated & ignored"};
  ReportContext ctx;
  ctx.sut_log_tail = {"GET /?q=<img src=x onerror=alert(1)>", std::string("bin\x01\xff")};
  std::string html = render(s, d, ctx);
  EXPECT_THAT(html, HasSubstr("probe &quot;go&quot;: &lt;timeout&gt;"));
  EXPECT_THAT(html, HasSubstr("truncated &amp; ignored"));
  // Listed once, though both the summary and the data carry it.
  size_t first = html.find("truncated &amp; ignored");
  EXPECT_EQ(html.find("truncated &amp; ignored", first + 1), std::string::npos);
  EXPECT_THAT(html, HasSubstr("GET /?q=&lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("<img src=x")));
  EXPECT_THAT(html, HasSubstr("bin\xEF\xBF\xBD\xEF\xBF\xBD"));
}

TEST(ReportWriters, FactoryKnowsEveryNameAndItsFile) {
  ReportContext ctx;
  EXPECT_EQ(make_report_writer("junit", ctx)->file_name(), "junit.xml");
  EXPECT_EQ(make_report_writer("markdown", ctx)->file_name(), "summary.md");
  EXPECT_EQ(make_report_writer("html", ctx)->file_name(), "report.html");
  EXPECT_EQ(make_report_writer("pdf", ctx), nullptr);
  for (auto name : report_writer_names()) EXPECT_EQ(make_report_writer(name, ctx)->name(), name);
}

}  // namespace
}  // namespace soak
