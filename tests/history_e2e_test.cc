// Build history end to end: the real soak binary judges synthetic run
// directories with `soak check --history`, then `soak history` reads the
// file. Takes a few seconds (about 15 soak invocations on 720-sample runs).
#include <cmath>
#include <random>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

constexpr double kMiB = 1024.0 * 1024.0;

class HistoryE2eTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  fs::path history_ = dir_ / "soak-history.jsonl";

  // A recorded 2-hour run sampled every 10 s whose RSS grows at
  // `slope_mib_h` with 200 kB of noise, budget rss=8MiB/h.
  fs::path make_run(const std::string& name, double slope_mib_h, unsigned seed) {
    fs::path d = dir_ / name;
    fs::create_directories(d);
    json run{{"schema", "soak.run/v1"},
             {"interval_s", 10.0},
             {"budgets", {"rss=8MiB/h"}},
             {"start_utc", "2026-11-30T02:00:00Z"},
             {"host", {{"arch", "x86_64"}, {"cores", 4}, {"memory_bytes", 17179869184.0},
                       {"kernel", "Linux 6.1.0-18-amd64"}}}};
    testing::write_file(d / "run.json", run.dump());
    std::mt19937 rng(seed);
    std::normal_distribution<double> noise(0, 200e3);
    std::string samples;
    for (int i = 1; i <= 720; ++i) {
      double t = 10.0 * i;
      double v = 50e6 + slope_mib_h * kMiB * t / 3600 + noise(rng);
      samples += json{{"t", t}, {"rss_bytes", std::llround(v)}}.dump() + "\n";
    }
    testing::write_file(d / "samples.jsonl", samples);
    return d;
  }

  testing::CommandResult soak(std::vector<std::string> args) {
    args.insert(args.begin(), testing::soak_binary().string());
    // No CI or repository facts leak in from the environment running the test.
    return testing::run_command(args, 120, {"GITHUB_SHA=", "GITHUB_REF_NAME="});
  }

  testing::CommandResult check(const std::string& build, double slope, unsigned seed,
                               std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"check", make_run(build, slope, seed).string(), "--history", history_.string(),
                                  "--build", build};
    args.insert(args.end(), extra.begin(), extra.end());
    return soak(args);
  }
};

TEST_F(HistoryE2eTest, OrdinaryBuildsPassAFourfoldSlopeWithinBudgetFailsTheNextPasses) {
  for (int i = 1; i <= 8; ++i) {
    auto r = check("b" + std::to_string(i), 1.0, 100 + i);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("appended to"));
    if (i <= 5) EXPECT_THAT(r.out, HasSubstr("regressions are judged from 5"));
    else EXPECT_THAT(r.out, HasSubstr("PASS          regression:rss=8MiB/h"));
  }
  auto bad = check("b9", 4.0, 109);
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_THAT(bad.out, HasSubstr("PASS          rss=8MiB/h"));  // within budget...
  EXPECT_THAT(bad.out, HasSubstr("FAIL          regression:rss=8MiB/h"));  // ...and a regression
  EXPECT_THAT(bad.out, HasSubstr("slope rose above the build history"));

  auto next = check("b10", 1.0, 110);
  EXPECT_EQ(next.exit_code, 0) << next.out << next.err;

  // A torn and a foreign line in the file: named, skipped, the rest still judged.
  {
    std::string text = testing::read_file(history_);
    testing::write_file(history_, text + "{\"schema\": \"soak.history/v1\", \"bu\n" + "hello\n");
  }
  auto warned = check("b11", 1.0, 111);
  EXPECT_EQ(warned.exit_code, 0) << warned.out << warned.err;
  EXPECT_THAT(warned.out, HasSubstr("soak-history.jsonl:11: not valid JSON; line skipped"));
  EXPECT_THAT(warned.out, HasSubstr("soak-history.jsonl:12: not valid JSON; line skipped"));

  auto warn_only = check("b12", 4.0, 112, {"--history-warn-only"});
  EXPECT_EQ(warn_only.exit_code, 0) << warn_only.out << warn_only.err;
  EXPECT_THAT(warn_only.out, HasSubstr("--history-warn-only"));

  // soak history: one line per build, the page and the Otava export.
  auto h = soak({"history", history_.string(), "--out", (dir_ / "page").string(), "--otava",
                 (dir_ / "otava.json").string()});
  EXPECT_EQ(h.exit_code, 0) << h.out << h.err;
  EXPECT_THAT(h.err, HasSubstr(":11: not valid JSON"));
  std::istringstream lines(h.out);
  std::string line;
  int builds = 0;
  while (std::getline(lines, line))
    if (line.starts_with("b")) {
      ++builds;
      EXPECT_THAT(line, HasSubstr("rss_bytes"));
      if (line.starts_with("b9 ")) EXPECT_THAT(line, HasSubstr("REGRESSION"));
      if (line.starts_with("b10 ")) EXPECT_THAT(line, Not(HasSubstr("REGRESSION")));
    }
  EXPECT_EQ(builds, 12);
  std::string page = testing::read_file(dir_ / "page" / "history.html");
  EXPECT_THAT(page, HasSubstr("<svg"));
  EXPECT_THAT(page, HasSubstr("b9"));
  json otava = json::parse(testing::read_file(dir_ / "otava.json"));
  ASSERT_EQ(otava.size(), 12u);
  EXPECT_EQ(otava[8]["attributes"]["build"], "b9");
  EXPECT_NEAR(otava[8]["metrics"][0]["value"].get<double>(), 4 * kMiB, 0.3 * kMiB);
}

TEST_F(HistoryE2eTest, BadHistoryArgumentsExitTwo) {
  auto run = make_run("r", 1.0, 1);
  auto dir_as_file = soak({"check", run.string(), "--history", dir_.path().string()});
  EXPECT_EQ(dir_as_file.exit_code, 2);
  EXPECT_THAT(dir_as_file.err, HasSubstr("is a directory"));
  auto lonely = soak({"check", run.string(), "--build", "x"});
  EXPECT_EQ(lonely.exit_code, 2);
  EXPECT_THAT(lonely.err, HasSubstr("needs --history FILE"));
  auto missing = soak({"history", (dir_ / "none.jsonl").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("none.jsonl: no such file"));
  // soak run refuses before launching anything.
  auto run_bad = soak({"run", "--duration", "10s", "--out", (dir_ / "o").string(), "--history",
                       (dir_ / "no" / "such" / "h.jsonl").string(), "--", "/bin/sleep", "5"});
  EXPECT_EQ(run_bad.exit_code, 2);
  EXPECT_THAT(run_bad.err, HasSubstr("does not exist"));
  EXPECT_FALSE(fs::exists(dir_ / "o" / "run.json"));
}

}  // namespace
}  // namespace soak
