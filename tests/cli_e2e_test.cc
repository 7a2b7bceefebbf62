// The real soak binary on bad flags and bad configs: exit 2, the named
// message on stderr, and nothing launched (the SUT would create MARKER).
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::TempDir;

class CliE2eTest : public ::testing::Test {
 protected:
  // soak ARGS... -- /bin/sh -c "touch MARKER"
  testing::CommandResult run_soak(std::vector<std::string> args, bool with_sut = true) {
    args.insert(args.begin(), testing::soak_binary().string());
    if (with_sut) {
      args.insert(args.end(), {"--", "/bin/sh", "-c", "touch " + marker().string()});
    }
    return testing::run_command(args, 30);
  }
  fs::path marker() const { return dir_ / "MARKER"; }
  fs::path out() const { return dir_ / "out"; }

  void expect_usage_error(const testing::CommandResult& r, const std::string& message) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, StartsWith("soak: "));
    EXPECT_THAT(r.err, HasSubstr(message));
    EXPECT_FALSE(fs::exists(marker())) << "the SUT was launched";
    EXPECT_FALSE(fs::exists(out())) << "the run directory was created";
  }

  TempDir dir_;
};

TEST_F(CliE2eTest, Version) {
  auto r = run_soak({"--version"}, false);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, StartsWith("soak " SOAK_VERSION));
}

TEST_F(CliE2eTest, Help) {
  auto r = run_soak({"--help"}, false);
  EXPECT_EQ(r.exit_code, 0);
  for (const char* word : {"run", "report", "check", "compare"}) EXPECT_THAT(r.out, HasSubstr(word));
  auto run = run_soak({"run", "--help"}, false);
  EXPECT_EQ(run.exit_code, 0);
  for (const char* flag : {"--duration", "--budget", "--workload", "--ready", "--out", "--strict", "--fail-fast"})
    EXPECT_THAT(run.out, HasSubstr(flag));
}

TEST_F(CliE2eTest, BadBudgetFlag) {
  expect_usage_error(run_soak({"run", "--duration", "5s", "--out", out().string(), "--budget", "rss=1MB/hr"}),
                     "--budget \"rss=1MB/hr\": unknown time unit \"hr\" (expected s, m, h, d or req)");
}

TEST_F(CliE2eTest, BadFlags) {
  expect_usage_error(run_soak({"run", "--out", out().string()}), "--duration: missing");
  expect_usage_error(run_soak({"run", "--duration", "5parsecs", "--out", out().string()}),
                     "--duration \"5parsecs\"");
  expect_usage_error(run_soak({"run", "--duration", "5s", "--out", out().string(), "--no-such-flag"}),
                     "--no-such-flag");
  expect_usage_error(run_soak({"run", "--duration", "5s", "--out", out().string(), "--rate", "10"}),
                     "--rate: needs a built-in HTTP workload");
  expect_usage_error(run_soak({"run", "--duration", "5s", "--out", out().string(), "--budget", "goroutines=0/h"}),
                     "--budget \"goroutines=0/h\": no probe produces series \"goroutines\"");
  expect_usage_error(run_soak({"run", "--duration", "5s", "--out", out().string()}, false), "no SUT command");
  expect_usage_error(run_soak({"frobnicate"}, false), "frobnicate");
}

TEST_F(CliE2eTest, InvalidUrlsAreRefusedBeforeLaunch) {
  expect_usage_error(run_soak({"run", "--duration", "5s", "--out", out().string(), "--go", "http://[::1"}),
                     "--go \"http://[::1\": not a valid URL");
  expect_usage_error(run_soak({"run", "--duration", "5s", "--out", out().string(), "--workload", "http://[::1:8080/"}),
                     "--workload \"http://[::1:8080/\"");
  testing::write_file(dir_ / "ready.json", R"({"duration": "5s", "sut": {"ready": "http://h:0/"}})");
  expect_usage_error(run_soak({"run", "--config", (dir_ / "ready.json").string(), "--out", out().string()}),
                     "sut.ready: \"http://h:0/\": port \"0\"");
}

TEST_F(CliE2eTest, BadConfigFiles) {
  testing::write_file(dir_ / "unknown.json", R"({"duration": "5s", "probes": {"gc_trace": true}})");
  expect_usage_error(run_soak({"run", "--config", (dir_ / "unknown.json").string(), "--out", out().string()}),
                     "probes.gc_trace: unknown key");
  testing::write_file(dir_ / "type.json", R"({"duration": 7200})");
  expect_usage_error(run_soak({"run", "--config", (dir_ / "type.json").string(), "--out", out().string()}),
                     "duration: expected a string like \"2h\", got 7200");
  testing::write_file(dir_ / "broken.json", R"({"duration": )");
  expect_usage_error(run_soak({"run", "--config", (dir_ / "broken.json").string(), "--out", out().string()}),
                     "broken.json: not valid JSON");
}

TEST_F(CliE2eTest, NonEmptyOutWithoutForce) {
  fs::create_directories(dir_ / "full");
  testing::write_file(dir_ / "full" / "keep.txt", "x");
  auto r = run_soak({"run", "--duration", "5s", "--out", (dir_ / "full").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("is not empty (use --force"));
  EXPECT_FALSE(fs::exists(marker()));
}

TEST_F(CliE2eTest, CheckOnAMissingRunDirectory) {
  auto r = run_soak({"check", (dir_ / "nope").string()}, false);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("nope"));
  fs::create_directories(dir_ / "empty");
  auto empty = run_soak({"check", (dir_ / "empty").string()}, false);
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_THAT(empty.err, HasSubstr("run.json"));
}

TEST_F(CliE2eTest, CheckJudgesAHandMadeRunDirectory) {
  fs::create_directories(dir_ / "run");
  testing::write_file(dir_ / "run" / "run.json",
                      R"({"schema": "soak.run/v1", "interval_s": 1.0, "budgets": ["rss<=1MiB"]})");
  std::string samples;
  for (int i = 1; i <= 120; ++i) samples += "{\"t\": " + std::to_string(i) + ", \"rss_bytes\": 8000000}\n";
  testing::write_file(dir_ / "run" / "samples.jsonl", samples);
  auto fail = run_soak({"check", (dir_ / "run").string()}, false);
  EXPECT_EQ(fail.exit_code, 1) << fail.out << fail.err;
  EXPECT_THAT(fail.out, HasSubstr("rss<=1MiB"));
  auto pass = run_soak({"check", (dir_ / "run").string(), "--budget", "rss<=100MiB"}, false);
  EXPECT_EQ(pass.exit_code, 0) << pass.out << pass.err;
}

}  // namespace
}  // namespace soak
