#include "common/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include <gtest/gtest.h>

#include "tests/testing/testing.h"

namespace soak {
namespace {

using namespace std::chrono_literals;

std::string read_all(Fd fd) { return testing::read_fd(fd.get()); }

TEST(SpawnTest, OwnGroupEnvironmentAndPipes) {
  SpawnOptions o;
  o.argv = {"sh", "-c", "echo $SOAK_SPAWN_T $(ps -o pgid= -p $$); echo e >&2; exit 4"};
  o.env["SOAK_SPAWN_T"] = "v1";
  o.out = Output::pipe();
  o.err = Output::pipe();
  auto c = Child::spawn(o);
  ASSERT_TRUE(c.ok()) << c.message();
  std::string out = read_all((*c)->take_stdout());
  EXPECT_EQ(out, "v1 " + std::to_string((*c)->pid()) + "\n");
  EXPECT_EQ(read_all((*c)->take_stderr()), "e\n");
  auto st = (*c)->wait_for(30s);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->code, 4);
}

TEST(SpawnTest, ChildSetupRunsBeforeExec) {
  // What the cgroup work uses: a resource limit set between fork and exec.
  SpawnOptions o;
  o.argv = {"/bin/sh", "-c", "ulimit -n"};
  o.out = Output::pipe();
  o.child_setup = [] {
    rlimit r{77, 77};
    return ::setrlimit(RLIMIT_NOFILE, &r) == 0 ? 0 : errno;
  };
  auto c = Child::spawn(o);
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(read_all((*c)->take_stdout()), "77\n");
}

TEST(SpawnTest, AFailingChildSetupFailsTheSpawnWithItsError) {
  SpawnOptions o;
  o.argv = {"/bin/true"};
  o.what = "test program";
  o.child_setup = [] { return EACCES; };
  auto c = Child::spawn(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.message().find("/bin/true"), std::string::npos) << c.message();
  EXPECT_NE(c.message().find(std::strerror(EACCES)), std::string::npos) << c.message();
}

TEST(SpawnTest, AnUnknownProgramIsNamed) {
  SpawnOptions o;
  o.argv = {"soak-no-such-program-xyz"};
  o.what = "plot command";
  auto c = Child::spawn(o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.message().find("plot command \"soak-no-such-program-xyz\": not found"), std::string::npos)
      << c.message();
}

TEST(SpawnTest, OutputToAnFdAndStopWithGrace) {
  testing::TempDir tmp;
  Fd log(::open((tmp / "log").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  SpawnOptions o;
  o.argv = {"/bin/sh", "-c", "trap 'echo term; exit 0' TERM; echo up; while :; do sleep 0.05; done"};
  o.out = Output::to_fd(log.get());
  auto c = Child::spawn(o);
  ASSERT_TRUE(c.ok()) << c.message();
  ASSERT_TRUE(testing::wait_until([&] { return !testing::read_file(tmp / "log").empty(); }, 30));
  ExitStatus st = (*c)->stop(30s);  // ends on SIGTERM, long before the grace
  EXPECT_EQ(st.code, 0);
  EXPECT_EQ(testing::read_file(tmp / "log"), "up\nterm\n");
  EXPECT_FALSE(group_alive((*c)->pid()));
}

TEST(SpawnTest, SignalNames) {
  EXPECT_EQ(signal_name(SIGKILL), "SIGKILL");
  EXPECT_EQ(signal_name(SIGHUP), "SIGHUP");
  EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
  EXPECT_EQ(signal_name(200), "SIG200");
}

TEST(SpawnTest, ASubreaperReapsOrphansButNotOwnedChildren) {
  ASSERT_EQ(become_subreaper(), 0);
  // An owned child that has ended keeps its status for its owner.
  SpawnOptions o;
  o.argv = {"/bin/sh", "-c", "exit 7"};
  auto owned = Child::spawn(o);
  ASSERT_TRUE(owned.ok()) << owned.message();
  // An orphan: the grandchild of a process that exits at once is handed to
  // us; it ends soon after.
  pid_t mid = ::fork();
  if (mid == 0) {
    if (::fork() == 0) {
      ::usleep(100 * 1000);
      ::_exit(0);
    }
    ::_exit(0);
  }
  ::waitpid(mid, nullptr, 0);
  int reaped = 0;
  EXPECT_TRUE(testing::wait_until([&] { return (reaped += reap_orphans()) > 0; }, 30));
  EXPECT_EQ(reaped, 1);
  auto st = (*owned)->wait_for(30s);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->code, 7);
}

}  // namespace
}  // namespace soak
