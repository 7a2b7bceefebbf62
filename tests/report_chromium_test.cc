// report.html in a real browser: headless Chromium renders it from file://
// with no console errors and no blocked loads (the page carries a CSP that
// forbids anything but inline CSS and data: images, so any external
// reference would show up as "Refused to load"). The screenshot is kept
// under the build dir's test-artifacts/ for people to look at.
#include <unistd.h>

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/run_data.h"
#include "tests/testing/report_fixture.h"
#include "reports/reports.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using soak::testing::TempDir;

constexpr const char* kChromium = "/usr/bin/chromium";

// Headless Chromium on `page`; returns its stderr (console messages appear
// there as ":CONSOLE" lines with --enable-logging=stderr).
soak::testing::CommandResult render(const fs::path& page, const fs::path& shot) {
  TempDir profile;
  return soak::testing::run_command(
      {kChromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
       "--no-first-run", "--disable-background-networking", "--disable-component-update",
       "--disable-sync", "--enable-logging=stderr", "--v=0",
       "--user-data-dir=" + profile.path().string(), "--screenshot=" + shot.string(),
       "--window-size=1280,2000", "file://" + page.string()},
      120, {"HOME=" + profile.path().string()});
}

// report.html has no scripts, so any console line at all is a defect: a
// script error, or the CSP blocking a load that should not exist.
std::vector<std::string> console_lines(const std::string& err) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < err.size()) {
    size_t nl = err.find('\n', pos);
    std::string line = err.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (line.find(":CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos ||
        line.find("Content Security Policy") != std::string::npos ||
        line.find("net::ERR_") != std::string::npos)
      out.push_back(line);
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return out;
}

TEST(ReportChromium, ConsoleScanCatchesABrokenPage) {
  if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed";
  // The control: a page with a script error and an external image under the
  // same CSP must be caught, or the real check below proves nothing.
  TempDir d;
  soak::testing::write_file(
      d / "broken.html",
      "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" "
      "content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\"></head><body>"
      "<img src=\"https://example.invalid/x.png\"><script>undefinedFn();</script></body></html>");
  auto r = render(d / "broken.html", d / "broken.png");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(console_lines(r.err).empty()) << r.err;
}

TEST(ReportChromium, RendersWithoutConsoleErrorsAndSavesScreenshot) {
  if (!fs::exists(kChromium))
    GTEST_SKIP() << kChromium << " is not installed (apt-get install chromium) - skipping the "
                                 "browser check of report.html";
  TempDir run;
  Summary summary = soak::testing::write_report_fixture(run.path());
  auto data = load_run_dir(run.path());
  ASSERT_TRUE(data.ok()) << data.message();
  ReportOptions options;
  options.plot_script = soak::testing::source_dir() / "reports" / "plot.py";
  auto written = write_reports(run.path(), summary, *data, options);
  ASSERT_TRUE(written.ok()) << written.message();

  fs::path artifacts = soak::testing::build_dir() / "test-artifacts";
  fs::create_directories(artifacts);
  fs::path shot = artifacts / "report_chromium.png";
  fs::remove(shot);
  auto r = render(run.path() / "report.html", shot);
  std::ofstream(artifacts / "report_chromium.log") << r.err;
  fs::copy_file(run.path() / "report.html", artifacts / "report_chromium.html",
                fs::copy_options::overwrite_existing);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(fs::exists(shot)) << r.err;
  EXPECT_GT(fs::file_size(shot), 20000u);  // a rendered page, not a blank one
  EXPECT_THAT(console_lines(r.err), ::testing::IsEmpty());
}

}  // namespace
}  // namespace soak
