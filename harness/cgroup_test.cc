#include "harness/cgroup.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::TempDir;
using testing::write_file;

// A fixture root: ROOT/proc/self/cgroup and ROOT/sys/fs/cgroup/... as the
// kernel lays them out.
struct Fixture {
  TempDir tmp;
  fs::path root() const { return tmp.path(); }
  void file(const std::string& rel, const std::string& text) {
    fs::create_directories((tmp.path() / rel).parent_path());
    write_file(tmp.path() / rel, text);
  }
  void dir(const std::string& rel) { fs::create_directories(tmp.path() / rel); }
};

constexpr const char* kScope = "/user.slice/user-1000.slice/user@1000.service/app.slice/soak.scope";

void v2_delegated(Fixture& f) {
  f.file("proc/self/cgroup", std::string("0::") + kScope + "\n");
  f.file("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
  std::string own = std::string("sys/fs/cgroup") + kScope;
  f.file(own + "/cgroup.controllers", "cpu memory pids\n");
  f.file(own + "/cgroup.subtree_control", "\n");
  f.file(own + "/cgroup.procs", "4242\n");
  f.file(own + "/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n");
}

void v1_hybrid(Fixture& f) {
  f.file("proc/self/cgroup",
         "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/a74a2d15\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n");
  f.file("sys/fs/cgroup/unified/cgroup.controllers", "hugetlb\n");
  f.file("sys/fs/cgroup/memory/process_api/a74a2d15/memory.oom_control",
         "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  f.file("sys/fs/cgroup/memory/process_api/a74a2d15/memory.usage_in_bytes", "1234\n");
}

TEST(CgroupDetect, V2DelegatedScope) {
  Fixture f;
  v2_delegated(f);
  auto h = detect_memory_cgroup(f.root());
  ASSERT_TRUE(h.ok()) << h.message();
  EXPECT_EQ(h->version, CgroupVersion::kV2);
  EXPECT_EQ(h->mount, f.root() / "sys/fs/cgroup");
  EXPECT_EQ(h->own_path, kScope);
  EXPECT_EQ(h->own_dir, f.root() / (std::string("sys/fs/cgroup") + kScope));
  EXPECT_TRUE(check_memory_cgroup_possible(*h, [](const fs::path&) { return true; }).ok());
  EXPECT_EQ(read_cgroup_oom_kills(h->own_dir, h->version), 1);
}

TEST(CgroupDetect, V2NotWritableSaysHowToDelegate) {
  Fixture f;
  v2_delegated(f);
  auto h = detect_memory_cgroup(f.root());
  ASSERT_TRUE(h.ok()) << h.message();
  auto st = check_memory_cgroup_possible(*h, [](const fs::path& p) { return p.filename() != "cgroup.subtree_control"; });
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("cgroup v2 without a delegated subtree"));
  EXPECT_THAT(st.message(), HasSubstr("cgroup.subtree_control is not writable"));
  EXPECT_THAT(st.message(), HasSubstr("systemd-run --user -p Delegate=yes"));
  EXPECT_THAT(st.message(), HasSubstr("or as root"));
}

TEST(CgroupDetect, V2WithoutTheMemoryControllerDelegated) {
  Fixture f;
  v2_delegated(f);
  f.file(std::string("sys/fs/cgroup") + kScope + "/cgroup.controllers", "cpu pids\n");
  auto h = detect_memory_cgroup(f.root());
  ASSERT_TRUE(h.ok()) << h.message();
  auto st = check_memory_cgroup_possible(*h, [](const fs::path&) { return true; });
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("memory controller is not delegated"));
  EXPECT_THAT(st.message(), HasSubstr("\"cpu pids\""));
}

TEST(CgroupDetect, V2WithoutAMemoryControllerAtAll) {
  Fixture f;
  f.file("proc/self/cgroup", "0::/\n");
  f.file("sys/fs/cgroup/cgroup.controllers", "cpu io pids\n");
  auto h = detect_memory_cgroup(f.root());
  ASSERT_FALSE(h.ok());
  EXPECT_THAT(h.message(), HasSubstr("without the memory controller"));
}

TEST(CgroupDetect, V2RootCgroup) {
  Fixture f;
  f.file("proc/self/cgroup", "0::/\n");
  f.file("sys/fs/cgroup/cgroup.controllers", "memory pids\n");
  auto h = detect_memory_cgroup(f.root());
  ASSERT_TRUE(h.ok()) << h.message();
  EXPECT_EQ(h->own_dir, f.root() / "sys/fs/cgroup");
}

TEST(CgroupDetect, V1HybridAsThisMachine) {
  Fixture f;
  v1_hybrid(f);
  auto h = detect_memory_cgroup(f.root());
  ASSERT_TRUE(h.ok()) << h.message();
  EXPECT_EQ(h->version, CgroupVersion::kV1);
  EXPECT_EQ(h->mount, f.root() / "sys/fs/cgroup/memory");
  EXPECT_EQ(h->own_path, "/process_api/a74a2d15");
  EXPECT_EQ(h->own_dir, f.root() / "sys/fs/cgroup/memory/process_api/a74a2d15");
  EXPECT_TRUE(check_memory_cgroup_possible(*h, [](const fs::path&) { return true; }).ok());
  EXPECT_EQ(read_cgroup_oom_kills(h->own_dir, h->version), 2);
  auto st = check_memory_cgroup_possible(*h, [](const fs::path&) { return false; });
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("cgroup v1"));
  EXPECT_THAT(st.message(), HasSubstr("needs root"));
}

TEST(CgroupDetect, V1WithCombinedControllerList) {
  Fixture f;
  f.file("proc/self/cgroup", "5:cpu,cpuacct:/\n4:memory:/docker/abc\n");
  f.dir("sys/fs/cgroup/memory/docker/abc");
  auto h = detect_memory_cgroup(f.root());
  ASSERT_TRUE(h.ok()) << h.message();
  EXPECT_EQ(h->own_path, "/docker/abc");
}

TEST(CgroupDetect, NoMemoryHierarchyAndMissingFiles) {
  Fixture f;
  f.file("proc/self/cgroup", "0::/\n");
  f.file("sys/fs/cgroup/unified/cgroup.controllers", "\n");
  auto h = detect_memory_cgroup(f.root());
  ASSERT_FALSE(h.ok());
  EXPECT_THAT(h.message(), HasSubstr("no memory cgroup controller"));
  Fixture empty;
  EXPECT_THAT(detect_memory_cgroup(empty.root()).message(), HasSubstr("cannot read"));
}

TEST(CgroupDetect, OwnCgroupNotVisible) {
  Fixture f;
  f.file("proc/self/cgroup", "4:memory:/elsewhere\n");
  f.dir("sys/fs/cgroup/memory");
  auto h = detect_memory_cgroup(f.root());
  ASSERT_TRUE(h.ok()) << h.message();
  auto st = check_memory_cgroup_possible(*h, [](const fs::path&) { return true; });
  EXPECT_THAT(st.message(), HasSubstr("is not visible"));
}

TEST(CgroupCounters, OomKillCounterIsTheOneInProcVmstat) {
  // Read independently (awk) and compared: the counter only ever grows, so
  // ours lies between two readings of it.
  auto awk = [] {
    auto r = testing::run_command({"/usr/bin/awk", "$1 == \"oom_kill\" { print $2 }", "/proc/vmstat"}, 30);
    return std::stoll(r.out);
  };
  long long before = awk();
  auto n = read_vmstat_oom_kills();
  long long after = awk();
  ASSERT_TRUE(n.has_value());
  EXPECT_LE(before, *n);
  EXPECT_LE(*n, after);
}

TEST(CgroupCounters, VmstatAndMissingKeys) {
  Fixture f;
  f.file("proc/vmstat", "nr_free_pages 100\noom_kill 7\n");
  EXPECT_EQ(read_vmstat_oom_kills(f.root()), 7);
  f.file("cg/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");  // a kernel before 4.13
  EXPECT_FALSE(read_cgroup_oom_kills(f.root() / "cg", CgroupVersion::kV1).has_value());
  EXPECT_FALSE(read_cgroup_oom_kills(f.root() / "absent", CgroupVersion::kV2).has_value());
}

// The child side of a launch: RLIMIT_NOFILE applied in a real forked child.
TEST(ChildConfinement, SetsNofileInTheChild) {
  ChildConfinement c;
  c.nofile = 123;
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (c.apply_in_child() != 0) ::_exit(1);
    rlimit r{};
    ::getrlimit(RLIMIT_NOFILE, &r);
    ::_exit(r.rlim_cur == 123 && r.rlim_max == 123 ? 0 : 2);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(CheckNofile, BadValues) {
  EXPECT_THAT(check_nofile(0).message(), HasSubstr(">= 1"));
  EXPECT_THAT(check_nofile(rlim_t{1} << 40).message(), HasSubstr("nr_open"));
  EXPECT_TRUE(check_nofile(64).ok());
}

// On this machine, when a memory cgroup can be made (root on v1, or a
// delegated v2 subtree): a real one, a real child in it, removed after.
TEST(CgroupReal, CreateEnterReadKillRemove) {
  auto host = detect_memory_cgroup();
  if (!host) GTEST_SKIP() << host.message();
  if (auto st = check_memory_cgroup_possible(*host); !st) GTEST_SKIP() << st.message();
  std::string name = "soak-test-" + std::to_string(::getpid());
  auto cg = Cgroup::create(*host, name, 64.0 * 1024 * 1024);
  ASSERT_TRUE(cg.ok()) << cg.message();
  fs::path dir = (*cg)->dir();
  EXPECT_TRUE(fs::is_directory(dir));
  ChildConfinement conf;
  conf.cgroup_procs_fd = (*cg)->procs_fd();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (conf.apply_in_child() != 0) ::_exit(1);
    ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::vector<pid_t> in;
  testing::wait_until([&] { return !(in = (*cg)->pids()).empty(); }, 30);
  EXPECT_THAT(in, ::testing::ElementsAre(pid));
  // The pid shows as soon as the child writes cgroup.procs, before its exec.
  // On cgroup v2 a moved process brings no charge with it, so the counter
  // reads 0 until the child faults pages in here: wait for that, not once.
  Result<double> mem = 0.0;
  testing::wait_until([&] { return !(mem = (*cg)->memory_bytes()).ok() || *mem > 0; }, 30);
  ASSERT_TRUE(mem.ok()) << mem.message();
  EXPECT_GT(*mem, 0);
  EXPECT_EQ((*cg)->oom_kills().value_or(-1), 0);
  EXPECT_TRUE((*cg)->kill_all());
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  cg->reset();
  EXPECT_FALSE(fs::exists(dir));
}

// A real OOM kill under a small limit is counted by the cgroup's own
// counter, and OomWatch reports it.
TEST(CgroupReal, OomKillIsCounted) {
  auto host = detect_memory_cgroup();
  if (!host) GTEST_SKIP() << host.message();
  if (auto st = check_memory_cgroup_possible(*host); !st) GTEST_SKIP() << st.message();
  auto cg = Cgroup::create(*host, "soak-test-oom-" + std::to_string(::getpid()), 16.0 * 1024 * 1024);
  ASSERT_TRUE(cg.ok()) << cg.message();
  std::shared_ptr<const Cgroup> shared(std::move(*cg));
  OomWatch watch(shared);
  ChildConfinement conf;
  conf.cgroup_procs_fd = shared->procs_fd();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (conf.apply_in_child() != 0) ::_exit(1);
    // Touch 256 MiB, far over the limit.
    for (int i = 0; i < 256; ++i) {
      char* p = static_cast<char*>(::malloc(1 << 20));
      if (!p) ::_exit(3);
      for (int j = 0; j < (1 << 20); j += 4096) p[j] = 1;
    }
    ::_exit(4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_GE(shared->oom_kills().value_or(0), 1);
  EXPECT_TRUE(watch.oom_killed(true));
  EXPECT_EQ(watch.source(), "the SUT's cgroup");
}

}  // namespace
}  // namespace soak
