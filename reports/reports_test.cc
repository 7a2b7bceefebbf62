// write_reports end to end on a recorded run directory: real files, the real
// plot.py under /usr/bin/python3, and the standard library's HTML and XML
// parsers (through /usr/bin/python3) to read the results back.
#include "reports/reports.h"

#include <sys/stat.h>

#include <cstdlib>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/report_fixture.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;
using soak::testing::read_file;
using soak::testing::run_command;
using soak::testing::source_dir;
using soak::testing::TempDir;
using soak::testing::write_report_fixture;

constexpr const char* kPython = "/usr/bin/python3";

bool have_matplotlib() {
  if (!fs::exists(kPython)) return false;
  return run_command({kPython, "-c", "import matplotlib"}, 60).exit_code == 0;
}

struct Fixture {
  TempDir dir;
  Summary summary;
  RunData data;
  Fixture() {
    summary = write_report_fixture(dir.path());
    auto loaded = load_run_dir(dir.path());
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.message());
    if (loaded.ok()) data = std::move(*loaded);
  }
};

ReportOptions options_in_tree() {
  ReportOptions o;
  o.plot_script = source_dir() / "reports" / "plot.py";
  return o;
}

json inspect_html(const fs::path& html) {
  auto r = run_command({kPython, (source_dir() / "reports/testdata/html_inspect.py").string(),
                        html.string()}, 60);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out);
}

TEST(WriteReports, HtmlIsSelfContainedWithPlotsBudgetsAndEscapedLog) {
  if (!have_matplotlib()) GTEST_SKIP() << "/usr/bin/python3 with matplotlib is not installed";
  Fixture f;
  auto warnings = write_reports(f.dir.path(), f.summary, f.data, options_in_tree());
  ASSERT_TRUE(warnings.ok()) << warnings.message();
  EXPECT_THAT(*warnings, ::testing::IsEmpty());

  std::string html = read_file(f.dir / "report.html");
  json doc = inspect_html(f.dir / "report.html");
  EXPECT_TRUE(doc["doctype"].get<bool>());
  EXPECT_THAT(doc["errors"], ::testing::IsEmpty()) << doc["errors"].dump();
  EXPECT_THAT(doc["external"], ::testing::IsEmpty()) << doc["external"].dump();
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  EXPECT_THAT(html, Not(HasSubstr("src=\"//")));

  // One plot per budgeted/key series: rss_bytes, threads, fds.
  ASSERT_EQ(doc["imgs"].size(), 3u);
  for (const auto& src : doc["imgs"])
    EXPECT_THAT(src.get<std::string>(), ::testing::StartsWith("data:image/png;base64,iVBORw0KGgo"));

  // Every budget is a row with its verdict.
  auto rows = doc["budget_rows"];
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][1], "rss=2MiB/h");
  EXPECT_EQ(rows[0][3], "FAIL");
  EXPECT_THAT(rows[0][2].get<std::string>(), HasSubstr("8.00 MiB/h [7.60 MiB/h, 8.40 MiB/h]"));
  EXPECT_EQ(rows[1][1], "threads=0/h");
  EXPECT_EQ(rows[1][3], "pass");
  EXPECT_EQ(rows[2][1], "fds=0/h");
  EXPECT_EQ(rows[2][3], "inconclusive");

  // The verdict comes first, with the exit code.
  EXPECT_EQ(doc["ids"][0], "verdict");
  std::string text = doc["text"];
  EXPECT_THAT(text, HasSubstr("FAIL"));
  EXPECT_THAT(text, HasSubstr("exit code 1"));

  // SUT-controlled text arrives as text, never as markup.
  EXPECT_THAT(html, Not(HasSubstr(soak::testing::kInjectedLog)));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(text, HasSubstr(soak::testing::kInjectedLog));
  EXPECT_THAT(html, Not(HasSubstr("<b>bold</b>")));
  EXPECT_THAT(text, HasSubstr("<b>bold</b>"));  // the command line, shown as text
  EXPECT_THAT(text, HasSubstr("read /proc/4242/status: <gone>"));  // probe_error event

  // The log tail is the last 100 lines.
  EXPECT_THAT(text, HasSubstr("request 149 handled"));
  EXPECT_THAT(text, HasSubstr("request 51 handled"));
  EXPECT_THAT(text, Not(HasSubstr("request 50 handled")));

  // Run facts from run.json; workload figures.
  EXPECT_THAT(text, HasSubstr("ci-runner-7"));
  EXPECT_THAT(text, HasSubstr("6.1.0-18-amd64"));
  EXPECT_THAT(text, HasSubstr("180000"));
  EXPECT_THAT(text, HasSubstr("8.50 ms"));

  // Temporaries are gone; summary.json round-trips.
  for (const auto& e : fs::directory_iterator(f.dir.path()))
    EXPECT_THAT(e.path().filename().string(), Not(HasSubstr(".tmp")));
  auto back = summary_from_json(json::parse(read_file(f.dir / "summary.json")));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->budgets.size(), 3u);
}

TEST(WriteReports, MissingPythonStillWritesReportAndSaysWhy) {
  Fixture f;
  ReportOptions o = options_in_tree();
  o.python = "/nonexistent/bin/python3";
  auto warnings = write_reports(f.dir.path(), f.summary, f.data, o);
  ASSERT_TRUE(warnings.ok()) << warnings.message();
  ASSERT_EQ(warnings->size(), 1u);
  EXPECT_THAT((*warnings)[0], HasSubstr("/nonexistent/bin/python3 not found"));
  std::string html = read_file(f.dir / "report.html");
  EXPECT_THAT(html, HasSubstr("No plots: Python interpreter /nonexistent/bin/python3 not found"));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, HasSubstr("rss=2MiB/h"));
  EXPECT_TRUE(fs::exists(f.dir / "junit.xml"));
  EXPECT_TRUE(fs::exists(f.dir / "summary.md"));
}

TEST(WriteReports, FailingPlotScriptIsReportedWithItsError) {
  Fixture f;
  TempDir scripts;
  soak::testing::write_file(scripts / "plot.py",
                            "import sys\nsys.stderr.write('no module named matplotlib\\n')\n"
                            "sys.exit(3)\n");
  ReportOptions o;
  o.plot_script = scripts / "plot.py";
  if (!fs::exists(o.python)) GTEST_SKIP() << o.python << " is absent";
  auto warnings = write_reports(f.dir.path(), f.summary, f.data, o);
  ASSERT_TRUE(warnings.ok());
  ASSERT_EQ(warnings->size(), 1u);
  EXPECT_THAT((*warnings)[0], HasSubstr("failed (exit code 3): no module named matplotlib"));
  EXPECT_THAT(read_file(f.dir / "report.html"), HasSubstr("no module named matplotlib"));
}

TEST(WriteReports, HungPlotScriptIsStoppedAfterTheTimeout) {
  Fixture f;
  TempDir scripts;
  soak::testing::write_file(scripts / "plot.py", "import time\ntime.sleep(60)\n");
  ReportOptions o;
  o.plot_script = scripts / "plot.py";
  o.plot_timeout_s = 0.5;
  if (!fs::exists(o.python)) GTEST_SKIP() << o.python << " is absent";
  auto warnings = write_reports(f.dir.path(), f.summary, f.data, o);
  ASSERT_TRUE(warnings.ok());
  ASSERT_EQ(warnings->size(), 1u);
  EXPECT_THAT((*warnings)[0], HasSubstr("took longer than 0.5s and was stopped"));
}

TEST(WriteReports, MissingPlotScriptNamesThePath) {
  Fixture f;
  ReportOptions o;
  o.plot_script = "/nonexistent/plot.py";
  auto warnings = write_reports(f.dir.path(), f.summary, f.data, o);
  ASSERT_TRUE(warnings.ok());
  ASSERT_EQ(warnings->size(), 1u);
  EXPECT_THAT((*warnings)[0], HasSubstr("plot script /nonexistent/plot.py does not exist"));
}

// After sut.log's cap the report shows sut.tail.log: the true end of the
// output (the crash), not the lines at the cap point.
TEST(WriteReports, TheLogTailComesFromTheTailFileAfterTheCap) {
  Fixture f;
  std::string tail;
  for (int i = 0; i < 120; ++i) tail += "late line " + std::to_string(i) + "\n";
  tail += "panic: out of widgets\n";
  soak::testing::write_file(f.dir / "sut.tail.log", tail);
  f.data.events.push_back({10.0, "sut_log_capped", json{{"t", 10.0}, {"event", "sut_log_capped"}}});
  ReportOptions o;
  o.plots = false;
  ASSERT_TRUE(write_reports(f.dir.path(), f.summary, f.data, o).ok());
  std::string html = read_file(f.dir / "report.html");
  EXPECT_THAT(html, HasSubstr("sut.log stopped at its size cap; the last 100 lines the SUT wrote (sut.tail.log):"));
  EXPECT_THAT(html, HasSubstr("panic: out of widgets"));
  EXPECT_THAT(html, HasSubstr("late line 21\n"));
  EXPECT_THAT(html, Not(HasSubstr("late line 20\n")));
  EXPECT_THAT(html, Not(HasSubstr("request 149 handled")));  // sut.log's end, at the cap

  // Without the cap, a tail file as long as sut.log is the whole log.
  fs::remove(f.dir / "sut.tail.log");
  fs::copy_file(f.dir / "sut.log", f.dir / "sut.tail.log");
  f.data.events.pop_back();
  ASSERT_TRUE(write_reports(f.dir.path(), f.summary, f.data, o).ok());
  EXPECT_THAT(read_file(f.dir / "report.html"), HasSubstr("The last 100 lines of sut.log:"));
}

TEST(WriteReports, JunitHasOneCasePerBudgetPlusSutAndParses) {
  Fixture f;
  ReportOptions o;
  o.plots = false;
  ASSERT_TRUE(write_reports(f.dir.path(), f.summary, f.data, o).ok());
  if (!fs::exists(kPython)) GTEST_SKIP() << "no python3 to parse the XML";
  // ElementTree is a real XML parser: malformed output fails here.
  const char* script = R"(
import json, sys, xml.etree.ElementTree as E
s = E.parse(sys.argv[1]).getroot()
out = {"tag": s.tag, "attrs": s.attrib, "cases": []}
for c in s.findall("testcase"):
    out["cases"].append({"name": c.get("name"), "classname": c.get("classname"),
        "time": c.get("time"), "children": [x.tag for x in c],
        "failure": (c.find("failure").attrib if c.find("failure") is not None else None),
        "skipped": (c.find("skipped").attrib if c.find("skipped") is not None else None),
        "out": c.findtext("system-out")})
json.dump(out, sys.stdout))";
  auto r = run_command({kPython, "-c", script, (f.dir / "junit.xml").string()}, 60);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json x = json::parse(r.out);
  EXPECT_EQ(x["tag"], "testsuite");
  EXPECT_EQ(x["attrs"]["name"], "soak");
  EXPECT_EQ(x["attrs"]["tests"], "4");
  EXPECT_EQ(x["attrs"]["failures"], "1");
  EXPECT_EQ(x["attrs"]["errors"], "0");
  EXPECT_EQ(x["attrs"]["skipped"], "1");
  EXPECT_EQ(x["attrs"]["time"], "1800.000");
  EXPECT_EQ(x["attrs"]["timestamp"], "2024-05-01T03:17:00");
  auto cases = x["cases"];
  ASSERT_EQ(cases.size(), 4u);
  EXPECT_EQ(cases[0]["name"], "rss=2MiB/h");
  EXPECT_EQ(cases[0]["failure"]["type"], "slope_exceeded");
  EXPECT_THAT(cases[0]["failure"]["message"].get<std::string>(), HasSubstr("lower bound"));
  EXPECT_TRUE(cases[0]["skipped"].is_null());
  EXPECT_TRUE(cases[1]["failure"].is_null());
  EXPECT_TRUE(cases[1]["skipped"].is_null());
  EXPECT_EQ(cases[1]["children"], json::array({"system-out"}));
  EXPECT_THAT(cases[2]["skipped"]["message"].get<std::string>(), HasSubstr("inconclusive"));
  EXPECT_EQ(cases[3]["name"], "SUT stayed up");
  EXPECT_TRUE(cases[3]["failure"].is_null());
}

TEST(WriteReports, JunitFailsSutCaseAndEscapesMarkup) {
  Fixture f;
  f.summary.status = RunStatus::kSutFailed;
  f.summary.exit_code = 3;
  f.summary.exit = SutExit{std::nullopt, "SIGKILL", true};
  f.summary.budgets[1].spec = "rss<=512MiB";
  f.summary.budgets[1].kind = "level";
  f.summary.budgets[1].reason = "max \"58 MiB\" <& fine";
  ReportOptions o;
  o.plots = false;
  ASSERT_TRUE(write_reports(f.dir.path(), f.summary, f.data, o).ok());
  std::string xml = read_file(f.dir / "junit.xml");
  EXPECT_THAT(xml, HasSubstr("failures=\"2\""));
  EXPECT_THAT(xml, HasSubstr("<testcase name=\"rss&lt;=512MiB\""));
  EXPECT_THAT(xml, HasSubstr("max &quot;58 MiB&quot; &lt;&amp; fine"));
  EXPECT_THAT(xml, HasSubstr("<failure message=\"the SUT was killed by the kernel OOM killer during "
                             "the run\" type=\"sut_failed\">"));
}

TEST(WriteReports, MarkdownMatchesGolden) {
  Fixture f;
  ReportOptions o;
  o.plots = false;
  ASSERT_TRUE(write_reports(f.dir.path(), f.summary, f.data, o).ok());
  std::string md = read_file(f.dir / "summary.md");
  fs::path golden = source_dir() / "reports" / "testdata" / "summary.md";
  if (std::getenv("SOAK_UPDATE_GOLDEN")) soak::testing::write_file(golden, md);
  EXPECT_EQ(md, read_file(golden)) << "regenerate with SOAK_UPDATE_GOLDEN=1 after checking";
  EXPECT_THAT(md, Not(HasSubstr("http")));
  EXPECT_THAT(md, Not(HasSubstr("](")));  // no links
}

TEST(WriteReports, GithubActionsAnnotatesAndAppendsStepSummary) {
  Fixture f;
  f.summary.budgets[2].reason = "50% sure\nneeds 2h, maybe";
  TempDir gh;
  soak::testing::write_file(gh / "step.md", "previous step\n");
  std::ostringstream commands;
  ReportOptions o;
  o.plots = false;
  o.github_actions = true;
  o.step_summary = gh / "step.md";
  o.workflow_out = &commands;
  ASSERT_TRUE(write_reports(f.dir.path(), f.summary, f.data, o).ok());
  std::string c = commands.str();
  EXPECT_THAT(c, HasSubstr("::error title=soak budget rss=2MiB/h exceeded::rss_bytes: observed "
                           "8.00 MiB/h [7.60 MiB/h, 8.40 MiB/h], limit 2.00 MiB/h. lower bound"));
  EXPECT_THAT(c, HasSubstr("::warning title=soak budget fds=0/h inconclusive::"));
  EXPECT_THAT(c, HasSubstr("50%25 sure%0Aneeds 2h, maybe\n"));
  EXPECT_THAT(c, Not(HasSubstr("threads=0/h")));  // passed: no annotation
  std::string step = read_file(gh / "step.md");
  EXPECT_EQ(step, "previous step\n" + read_file(f.dir / "summary.md"));
}

TEST(WriteReports, StepSummaryIsCutAtOneMebibyte) {
  Fixture f;
  for (int i = 0; i < 20000; ++i)
    f.summary.warnings.push_back("warning number " + std::to_string(i) + std::string(60, 'x'));
  TempDir gh;
  std::ostringstream commands;
  ReportOptions o;
  o.plots = false;
  o.github_actions = true;
  o.step_summary = gh / "step.md";
  o.workflow_out = &commands;
  ASSERT_TRUE(write_reports(f.dir.path(), f.summary, f.data, o).ok());
  std::string step = read_file(gh / "step.md");
  EXPECT_GT(read_file(f.dir / "summary.md").size(), 1024u * 1024u);
  EXPECT_LE(step.size(), 1024u * 1024u);
  EXPECT_THAT(step, HasSubstr("summary cut to GitHub's 1 MiB limit"));
}

TEST(WriteReports, UnwritableStepSummaryIsAWarningNotAFailure) {
  Fixture f;
  std::ostringstream commands;
  ReportOptions o;
  o.plots = false;
  o.github_actions = true;
  o.step_summary = f.dir / "no-such-dir" / "step.md";
  o.workflow_out = &commands;
  auto w = write_reports(f.dir.path(), f.summary, f.data, o);
  ASSERT_TRUE(w.ok());
  ASSERT_EQ(w->size(), 1u);
  EXPECT_THAT((*w)[0], HasSubstr("no-such-dir/step.md: cannot open for append"));
}

TEST(CheckReportOutputs, WritableDirectoryPassesAndIsLeftAsItWas) {
  TempDir d;
  soak::testing::write_file(d / "summary.json", "keep me");
  ASSERT_TRUE(check_report_outputs(d.path()).ok());
  EXPECT_EQ(read_file(d / "summary.json"), "keep me");
  size_t files = 0;
  for (auto it = fs::directory_iterator(d.path()); it != fs::directory_iterator(); ++it) ++files;
  EXPECT_EQ(files, 1u);
}

TEST(CheckReportOutputs, NamesTheFileThatCannotBeWritten) {
  TempDir d;
  fs::create_directory(d / "junit.xml");  // fails for root too, unlike a chmod
  Status s = check_report_outputs(d.path());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr((d / "junit.xml").string() + ": cannot be written: Is a directory"));
}

TEST(CheckReportOutputs, MissingDirectoryIsAnError) {
  TempDir d;
  Status s = check_report_outputs(d / "absent");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("absent: not a directory"));
}

TEST(WriteReports, UnwritableRunDirectoryIsAnErrorNamingTheFile) {
  Fixture f;
  fs::create_directory(f.dir / "report.html");
  soak::testing::write_file(f.dir / "report.html" / "x", "occupied");
  ReportOptions o;
  o.plots = false;
  auto w = write_reports(f.dir.path(), f.summary, f.data, o);
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(w.message(), HasSubstr("report.html: cannot replace"));
}

TEST(WriteReports, InterruptedRunCapsPlottingTime) {
  Fixture f;
  f.summary.status = RunStatus::kInterrupted;
  f.summary.exit_code = 130;
  TempDir scripts;
  soak::testing::write_file(scripts / "plot.py", "import time\ntime.sleep(60)\n");
  ReportOptions o;
  o.plot_script = scripts / "plot.py";
  if (!fs::exists(o.python)) GTEST_SKIP() << o.python << " is absent";
  auto warnings = write_reports(f.dir.path(), f.summary, f.data, o);
  ASSERT_TRUE(warnings.ok());
  ASSERT_EQ(warnings->size(), 1u);
  EXPECT_THAT((*warnings)[0], HasSubstr("took longer than 5s and was stopped"));
  EXPECT_THAT(read_file(f.dir / "report.html"), HasSubstr("INTERRUPTED"));
}

// plot.py on its own, on run directories as other tools leave them.
TEST(PlotScript, StandaloneOnARunDirectory) {
  if (!have_matplotlib()) GTEST_SKIP() << "/usr/bin/python3 with matplotlib is not installed";
  Fixture f;
  ReportOptions o;
  o.plots = false;
  ASSERT_TRUE(write_reports(f.dir.path(), f.summary, f.data, o).ok());  // summary.json
  TempDir out;
  auto r = run_command({kPython, (source_dir() / "reports/plot.py").string(),
                        f.dir.path().string(), out.path().string()}, 120);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("wrote " + (out / "01_rss_bytes.png").string()));
  EXPECT_THAT(r.out, HasSubstr("wrote " + (out / "02_threads.png").string()));
  EXPECT_THAT(r.out, HasSubstr("wrote " + (out / "03_fds.png").string()));
  json manifest = json::parse(read_file(out / "manifest.json"));
  ASSERT_EQ(manifest.size(), 3u);
  EXPECT_EQ(manifest[0]["series"], "rss_bytes");
  EXPECT_EQ(read_file(out / "01_rss_bytes.png").substr(0, 8), "\x89PNG\r\n\x1a\n");
}

TEST(PlotScript, MinimalDirectoryWithTruncatedLastLine) {
  if (!have_matplotlib()) GTEST_SKIP() << "/usr/bin/python3 with matplotlib is not installed";
  TempDir d;
  soak::testing::write_file(d / "run.json", R"({"schema":"soak.run/v1","interval_s":1.0})");
  std::string samples;
  for (int i = 0; i < 5000; ++i)
    samples += "{\"t\":" + std::to_string(i) + ",\"rss_bytes\":" + std::to_string(1000000 + i * 10) +
               ",\"goroutines\":" + std::to_string(10 + i / 1000) + "}\n";
  samples += "{\"t\":5000,\"rss_by";  // a killed run
  soak::testing::write_file(d / "samples.jsonl", samples);
  TempDir out;
  auto r = run_command({kPython, (source_dir() / "reports/plot.py").string(), d.path().string(),
                        out.path().string()}, 120);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json manifest = json::parse(read_file(out / "manifest.json"));
  ASSERT_EQ(manifest.size(), 2u);
  EXPECT_EQ(manifest[0]["series"], "rss_bytes");
  EXPECT_EQ(manifest[1]["series"], "goroutines");
}

TEST(PlotScript, MissingSamplesNamesTheFile) {
  if (!have_matplotlib()) GTEST_SKIP() << "/usr/bin/python3 with matplotlib is not installed";
  TempDir d, out;
  auto r = run_command({kPython, (source_dir() / "reports/plot.py").string(), d.path().string(),
                        out.path().string()}, 120);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr((d / "samples.jsonl").string() + " does not exist"));
}

}  // namespace
}  // namespace soak
