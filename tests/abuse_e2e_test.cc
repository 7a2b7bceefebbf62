// Endings under abuse (issue 13): a full disk (RLIMIT_FSIZE) and a SUT that
// prints 1 GiB without a newline. Exit codes as documented, bounded memory,
// a run directory `soak check` loads.
#include <sys/resource.h>
#include <sys/wait.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

std::vector<std::string> soak_run(const fs::path& out, std::vector<std::string> args) {
  std::vector<std::string> argv = {testing::soak_binary().string(), "run", "--out", out.string(),
                                   "--style", "none"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::string quote(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += "'" + a + "' ";
  return s;
}

TEST(AbuseE2ETest, AFullDiskEndsTheRunWithExit5NamingTheFile) {
  TempDir tmp;
  fs::path out = tmp / "out";
  // sut.log may not grow past 256 KiB (ulimit -f counts 512-byte blocks in
  // dash): the first write beyond fails with EFBIG, as on a full disk.
  auto argv = soak_run(out, {"--duration", "60s", "--", "/usr/bin/yes", "soak-filler-line"});
  auto r = testing::run_command({"/bin/sh", "-c", "ulimit -f 512; exec " + quote(argv)}, 120);
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr((out / "sut.log").string() + ": write failed: File too large"));
  auto summary = nlohmann::json::parse(testing::read_file(out / "summary.json"));
  EXPECT_EQ(summary["exit_code"], 5);
  // The run ended on the write error, after stopping the SUT.
  std::string events = testing::read_file(out / "events.jsonl");
  EXPECT_THAT(events, HasSubstr("\"event\":\"sut_stopped\""));
  EXPECT_THAT(events, HasSubstr("\"reason\":\"write_error\""));
  auto check = testing::run_command({testing::soak_binary().string(), "check", out.string()}, 60);
  EXPECT_NE(check.exit_code, 2) << check.out << check.err;  // loads
}

TEST(AbuseE2ETest, AFullDiskBeforeTheSutIsReadyEndsTheRunWithExit5) {
  TempDir tmp;
  fs::path out = tmp / "out";
  // The SUT floods sut.log past the 256 KiB limit while soak still waits
  // for a line that never comes: the write error ends the wait at once.
  auto argv = soak_run(out, {"--duration", "60s", "--ready", "log:^never$", "--ready-timeout", "120s", "--",
                             "/usr/bin/yes", "soak-filler-line"});
  auto r = testing::run_command({"/bin/sh", "-c", "ulimit -f 512; exec " + quote(argv)}, 120);
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr((out / "sut.log").string() + ": write failed: File too large"));
  EXPECT_THAT(r.err, Not(HasSubstr("was not ready")));
  auto summary = nlohmann::json::parse(testing::read_file(out / "summary.json"));
  EXPECT_EQ(summary["exit_code"], 5);
  EXPECT_THAT(testing::read_file(out / "events.jsonl"), HasSubstr("\"reason\":\"write_error\""));
}

TEST(AbuseE2ETest, AReportThatCannotBeWrittenEndsWithExit5NamingIt) {
  TempDir tmp;
  fs::path out = tmp / "out";
  // 32 KiB per file: samples, events and summary.json fit, report.html does not.
  auto argv = soak_run(out, {"--duration", "3s", "--", "/bin/sleep", "30"});
  auto r = testing::run_command({"/bin/sh", "-c", "ulimit -f 64; exec " + quote(argv)}, 120);
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr((out / "report.html").string() + ": write failed: File too large"));
  // summary.json agrees with the exit code, and names the file.
  auto summary = nlohmann::json::parse(testing::read_file(out / "summary.json"));
  EXPECT_EQ(summary["exit_code"], 5);
  EXPECT_THAT(summary.dump(), HasSubstr("report.html: write failed"));
}

TEST(AbuseE2ETest, OneGibibyteWithoutANewlineKeepsSoakSmall) {
  TempDir tmp;
  fs::path out = tmp / "out";
  auto r = testing::run_command(
      soak_run(out, {"--duration", "60s", "--log-limit", "4MiB", "--", "/bin/sh", "-c",
                     "head -c 1073741824 /dev/zero | tr '\\0' x"}),
      300);
  // The SUT ends when it has printed it all: exit 3, as documented.
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  rusage ru{};
  ::getrusage(RUSAGE_CHILDREN, &ru);
  // The largest child's peak (soak itself; the others are tiny): 1 GiB of
  // one line never sits in memory.
  EXPECT_LT(ru.ru_maxrss, 200 * 1024) << "peak RSS of a child " << ru.ru_maxrss << " KiB";
  EXPECT_EQ(fs::file_size(out / "sut.log"), 4u * 1024 * 1024);
  EXPECT_THAT(testing::read_file(out / "events.jsonl"), HasSubstr("sut_log_capped"));
}

// At the default cap (64 MiB) sut.log keeps the beginning; the crash output
// at the very end is in sut.tail.log and in the report's last lines.
TEST(AbuseE2ETest, TheLastLinesAfterTheCapAreTheTrueEnd) {
  TempDir tmp;
  fs::path out = tmp / "out";
  auto r = testing::run_command(
      soak_run(out, {"--duration", "60s", "--", "/bin/sh", "-c",
                     "yes 'GET /api 200 1.2ms' | head -n 3700000; echo 'panic: soak-e2e-final-words'; exit 7"}),
      120);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(fs::file_size(out / "sut.log"), 64u * 1024 * 1024);
  EXPECT_THAT(testing::read_file(out / "events.jsonl"), HasSubstr("sut_log_capped"));
  std::string tail = testing::read_file(out / "sut.tail.log");
  EXPECT_LE(tail.size(), 64u * 1024);
  EXPECT_TRUE(tail.ends_with("GET /api 200 1.2ms\npanic: soak-e2e-final-words\n")) << tail.substr(tail.size() - 200);
  std::string html = testing::read_file(out / "report.html");
  EXPECT_THAT(html, HasSubstr("panic: soak-e2e-final-words"));
  EXPECT_THAT(html, HasSubstr("the last 100 lines the SUT wrote (sut.tail.log)"));
  auto summary = nlohmann::json::parse(testing::read_file(out / "summary.json"));
  EXPECT_THAT(summary["warnings"].dump(), HasSubstr("its last lines are in sut.tail.log"));
}

}  // namespace
}  // namespace soak
