#include "workloads/cmd_workload.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "tests/testing/recording_sink.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

using namespace std::chrono_literals;

using testing::RecordingSink;

WorkloadSpec spec(std::string cmd) {
  WorkloadSpec s;
  s.kind = WorkloadSpec::Kind::kCmd;
  s.cmd = std::move(cmd);
  s.origin = "--workload";
  return s;
}

bool alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  return close != std::string::npos && text[close + 2] != 'Z';
}

TEST(CmdWorkloadTest, PlaceholdersAreExpanded) {
  WorkloadContext ctx;
  ctx.url = "http://127.0.0.1:9/api";
  ctx.duration = 1500ms;
  EXPECT_EQ(expand_cmd_placeholders("wrk -d{duration_s}s {url} {url}", ctx),
            "wrk -d2s http://127.0.0.1:9/api http://127.0.0.1:9/api");
}

TEST(CmdWorkloadTest, EmptyCommandIsRejectedNamingTheOrigin) {
  auto w = make_cmd_workload(spec("  "));
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.message().find("--workload"), std::string::npos);
  EXPECT_NE(w.message().find("empty"), std::string::npos);
}

TEST(CmdWorkloadTest, UrlPlaceholderWithoutAUrlFailsToStart) {
  auto w = make_cmd_workload(spec("curl {url}"));
  ASSERT_TRUE(w.ok());
  WorkloadContext ctx;
  auto st = (*w)->start(ctx);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("{url}"), std::string::npos);
}

TEST(CmdWorkloadTest, RestartsACommandThatEndsEarlyAndWritesItsLog) {
  testing::TempDir tmp;
  RecordingSink sink;
  auto w = make_cmd_workload(spec("echo run {duration_s}; sleep 1.1"));
  ASSERT_TRUE(w.ok());
  WorkloadContext ctx;
  ctx.duration = 30s;
  ctx.log_path = tmp / "workload.log";
  ctx.events = &sink;
  ASSERT_TRUE((*w)->start(ctx).ok());
  ASSERT_TRUE(testing::wait_until([&] { return sink.of("workload_restarted").size() >= 2; }, 60));
  (*w)->stop();
  EXPECT_FALSE((*w)->failure().has_value());
  EXPECT_GE((*w)->summary().restarts, 2u);
  auto ev = sink.of("workload_restarted")[0];
  EXPECT_EQ(ev["code"], 0);
  EXPECT_EQ(ev["workload"], "cmd");
  std::string log = testing::read_file(tmp / "workload.log");
  EXPECT_EQ(log.substr(0, 7), "run 30\n");
}

TEST(CmdWorkloadTest, GivesUpOnACommandThatKeepsDyingAtOnce) {
  testing::TempDir tmp;
  RecordingSink sink;
  auto w = make_cmd_workload(spec("exit 3"));
  ASSERT_TRUE(w.ok());
  WorkloadContext ctx;
  ctx.log_path = tmp / "workload.log";
  ctx.events = &sink;
  ASSERT_TRUE((*w)->start(ctx).ok());
  ASSERT_TRUE(testing::wait_until([&] { return (*w)->failure().has_value(); }, 60));
  EXPECT_NE((*w)->failure()->message.find("5 times in a row"), std::string::npos) << (*w)->failure()->message;
  EXPECT_NE((*w)->failure()->message.find("code 3"), std::string::npos);
  EXPECT_EQ(sink.of("workload_restarted").size(), 4u);
  EXPECT_EQ(sink.of("workload_failed").size(), 1u);
  (*w)->stop();
}

TEST(CmdWorkloadTest, StopEndsTheCommandsWholeGroup) {
  testing::TempDir tmp;
  auto w = make_cmd_workload(spec("sleep 100 & echo $!; trap '' TERM; wait"));
  ASSERT_TRUE(w.ok());
  WorkloadContext ctx;
  ctx.log_path = tmp / "workload.log";
  ASSERT_TRUE((*w)->start(ctx).ok());
  pid_t sleeper = 0;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        std::ifstream in(tmp / "workload.log");
        return static_cast<bool>(in >> sleeper) && sleeper > 0;
      },
      30));
  ASSERT_TRUE(alive(sleeper));
  (*w)->stop();
  EXPECT_TRUE(testing::wait_until([&] { return !alive(sleeper); }, 10));
}

// workload.log is capped like sut.log (--log-limit): the command is never
// blocked, one event and one warning say so, and output after the cap is
// read and dropped.
TEST(CmdWorkloadTest, TheLogIsCappedWithoutBlockingTheCommand) {
  testing::TempDir tmp;
  RecordingSink sink;
  auto w = make_cmd_workload(
      spec("yes workload-chatter | head -c 1000000; touch " + (tmp / "done").string() + "; sleep 100"));
  ASSERT_TRUE(w.ok());
  WorkloadContext ctx;
  ctx.log_path = tmp / "workload.log";
  ctx.log_limit_bytes = 4096;
  ctx.events = &sink;
  ASSERT_TRUE((*w)->start(ctx).ok());
  EXPECT_TRUE(testing::wait_until([&] { return std::filesystem::exists(tmp / "done"); }, 60))
      << "the command blocked on its output";
  (*w)->stop();
  EXPECT_FALSE((*w)->failure().has_value());
  EXPECT_EQ(std::filesystem::file_size(tmp / "workload.log"), 4096u);
  EXPECT_EQ(testing::read_file(tmp / "workload.log").substr(0, 19), "workload-chatter\nwo");
  auto capped = sink.of("workload_log_capped");
  ASSERT_EQ(capped.size(), 1u);
  EXPECT_EQ(capped[0]["file"], "workload.log");
  EXPECT_EQ(capped[0]["limit_bytes"], 4096);
  auto warnings = sink.of("warning");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0]["message"],
            "workload.log reached its cap of 4.00 KiB (--log-limit); later output of the workload was dropped");
}

// A workload.log that cannot be written (a full disk) ends the workload with
// an error naming the file: the run then ends with exit 5.
TEST(CmdWorkloadTest, AFailedLogWriteIsAFailureNamingTheFile) {
  testing::TempDir tmp;
  RecordingSink sink;
  auto w = make_cmd_workload(spec("echo hello; sleep 100"));
  ASSERT_TRUE(w.ok());
  WorkloadContext ctx;
  ctx.log_path = "/dev/full";
  ctx.events = &sink;
  ASSERT_TRUE((*w)->start(ctx).ok());
  ASSERT_TRUE(testing::wait_until([&] { return (*w)->failure().has_value(); }, 60));
  EXPECT_EQ((*w)->failure()->message, "/dev/full: write failed: No space left on device");
  EXPECT_EQ(sink.of("workload_failed").size(), 1u);
  (*w)->stop();
}

}  // namespace
}  // namespace soak
