#include "harness/launcher.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/testing/testing.h"

namespace soak {
namespace {

using namespace std::chrono_literals;

std::string read_all(Fd fd) { return testing::read_fd(fd.get()); }

bool alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos) return false;
  return text[close + 2] != 'Z' && text[close + 2] != 'X';
}

// Up to 10 s: the stop itself is bounded by the grace given to stop().
bool wait_dead(pid_t pid) {
  return testing::wait_until([&] { return !alive(pid); }, 10);
}

TEST(LauncherTest, CapturesOutputAndExitCodeWithTheConfiguredEnvironment) {
  LaunchSpec spec;
  spec.command = {"sh", "-c", "echo out-$SOAK_T_VAR; echo err >&2; exit 3"};
  spec.env["SOAK_T_VAR"] = "42";
  auto child = launch_sut(spec);
  ASSERT_TRUE(child.ok()) << child.message();
  std::string out = read_all((*child)->take_stdout());
  std::string err = read_all((*child)->take_stderr());
  auto st = (*child)->wait_for(10s);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->code, 3);
  EXPECT_FALSE(st->signal.has_value());
  EXPECT_EQ(out, "out-42\n");
  EXPECT_EQ(err, "err\n");
}

TEST(LauncherTest, ASignalIsReportedAsASignalNotAnExitCode) {
  LaunchSpec spec;
  spec.command = {"/bin/sh", "-c", "kill -KILL $$"};
  auto child = launch_sut(spec);
  ASSERT_TRUE(child.ok()) << child.message();
  auto st = (*child)->wait_for(10s);
  ASSERT_TRUE(st.has_value());
  EXPECT_FALSE(st->code.has_value());
  EXPECT_EQ(st->signal, SIGKILL);
  EXPECT_EQ(signal_name(*st->signal), "SIGKILL");
  SutExit e = to_sut_exit(*st, false);
  EXPECT_EQ(e.signal, "SIGKILL");
}

TEST(LauncherTest, AMissingCommandIsAnErrorNamingIt) {
  LaunchSpec spec;
  spec.command = {"soak-no-such-command-xyz"};
  auto child = launch_sut(spec);
  ASSERT_FALSE(child.ok());
  EXPECT_NE(child.message().find("soak-no-such-command-xyz"), std::string::npos);
  spec.command = {"/nonexistent/bin/x"};
  auto child2 = launch_sut(spec);
  ASSERT_FALSE(child2.ok());
  EXPECT_NE(child2.message().find("/nonexistent/bin/x"), std::string::npos);
}

TEST(LauncherTest, StopEndsTheWholeGroupIncludingChildrenThatIgnoreSigterm) {
  testing::TempDir tmp;
  LaunchSpec spec;
  // A grandchild that ignores SIGTERM: only the SIGKILL after the grace ends it.
  spec.command = {"/bin/sh", "-c",
                  "sh -c 'trap \"\" TERM; echo $$ > " + (tmp / "gc.pid").string() +
                      "; while :; do sleep 0.05; done' & wait"};
  auto child = launch_sut(spec);
  ASSERT_TRUE(child.ok()) << child.message();
  pid_t gc = 0;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        std::ifstream in(tmp / "gc.pid");
        return static_cast<bool>(in >> gc) && gc > 0;
      },
      30));
  EXPECT_EQ(::getpgid(gc), (*child)->pid());  // in the SUT's own group
  ASSERT_TRUE(alive(gc));
  ExitStatus st = (*child)->stop(300ms);
  EXPECT_TRUE(st.code || st.signal);
  EXPECT_TRUE(wait_dead(gc));
}

TEST(LauncherTest, DestroyingTheChildStopsItsGroup) {
  LaunchSpec spec;
  spec.command = {"sleep", "100"};
  pid_t pid;
  {
    auto child = launch_sut(spec);
    ASSERT_TRUE(child.ok()) << child.message();
    pid = (*child)->pid();
    EXPECT_FALSE((*child)->exit_status().has_value());
  }
  EXPECT_FALSE(alive(pid));
}

TEST(LauncherTest, TheSutDiesWithTheHarness) {
  // A stand-in harness process launches the SUT and is then SIGKILLed: the
  // death signal must end the SUT.
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  pid_t harness = ::fork();
  if (harness == 0) {
    ::close(p[0]);
    LaunchSpec spec;
    spec.command = {"sleep", "100"};
    auto child = launch_sut(spec);
    pid_t pid = child ? (*child)->pid() : -1;
    [[maybe_unused]] auto n = ::write(p[1], &pid, sizeof pid);
    ::pause();
    ::_exit(0);
  }
  ::close(p[1]);
  pid_t sut = -1;
  ASSERT_EQ(::read(p[0], &sut, sizeof sut), static_cast<ssize_t>(sizeof sut));
  ::close(p[0]);
  ASSERT_GT(sut, 0);
  ASSERT_TRUE(alive(sut));
  ::kill(harness, SIGKILL);
  ::waitpid(harness, nullptr, 0);
  EXPECT_TRUE(wait_dead(sut));
}

TEST(LauncherTest, GctraceIsMergedIntoAnExistingGodebug) {
  std::map<std::string, std::string> env;
  merge_gctrace(env);
  EXPECT_EQ(env["GODEBUG"].find("gctrace=1"), env["GODEBUG"].size() - 9);
  std::map<std::string, std::string> env2{{"GODEBUG", "madvdontneed=1"}};
  merge_gctrace(env2);
  EXPECT_EQ(env2["GODEBUG"], "madvdontneed=1,gctrace=1");
}

}  // namespace
}  // namespace soak
