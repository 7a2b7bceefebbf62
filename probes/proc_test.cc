#include "probes/proc.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "probes/proc_probe.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// Captured from this machine by probes/testdata/proc/capture.sh: a wrapper.sh
// (25919) running leaky_server --leak sockets (25921), and a zombie (26018).
constexpr pid_t kWrapper = 25919;
constexpr pid_t kServer = 25921;
constexpr pid_t kZombie = 26018;
constexpr double kKiB = 1024;

fs::path testdata() { return soak::testing::source_dir() / "probes/testdata/proc"; }
std::string captured(const std::string& rel) {
  return soak::testing::read_file(testdata() / rel);
}
fs::path leaky_server() { return soak::testing::build_dir() / "examples/native/leaky_server"; }
fs::path wrapper_sh() { return soak::testing::build_dir() / "examples/native/wrapper.sh"; }

// A copy of the captured tree that a test may damage.
void copy_testdata(const fs::path& to) {
  fs::copy(testdata(), to, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
}

// ---------------------------------------------------------------------------
// Parsers on captured files

TEST(ParseStatus, CapturedServer) {
  auto s = parse_status(captured("25921/status"));
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->rss_bytes, 3124 * kKiB);
  ASSERT_TRUE(s->rss_anon_bytes.has_value());
  EXPECT_EQ(*s->rss_anon_bytes, 224 * kKiB);
  EXPECT_EQ(s->threads, 3);
}

TEST(ParseStatus, ZombieHasNoRss) {
  auto s = parse_status(captured("26018/status"));
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->rss_bytes, 0);
  EXPECT_FALSE(s->rss_anon_bytes.has_value());
  EXPECT_EQ(s->threads, 1);
}

TEST(ParseStatus, MalformedFilesAreErrorsNamingTheField) {
  auto bad = parse_status(captured("malformed/status_bad_vmrss"));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.message(), HasSubstr("VmRSS"));
  auto truncated = parse_status(captured("malformed/status_truncated"));
  ASSERT_FALSE(truncated.ok());
  EXPECT_THAT(truncated.message(), HasSubstr("Threads"));
  auto empty_threads = parse_status(captured("malformed/status_empty_threads"));
  ASSERT_FALSE(empty_threads.ok());
  EXPECT_THAT(empty_threads.message(), HasSubstr("Threads"));
  EXPECT_FALSE(parse_status(captured("malformed/garbage")).ok());
  EXPECT_FALSE(parse_status("").ok());
  // A live process without VmRSS is not a zombie: that is an error.
  EXPECT_FALSE(parse_status("State:\tS (sleeping)\nThreads:\t1\n").ok());
}

TEST(ParseStat, CapturedServer) {
  auto s = parse_stat(captured("25921/stat"));
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->pid, kServer);
  EXPECT_EQ(s->ppid, kWrapper);
  EXPECT_EQ(s->pgrp, 25910);
  EXPECT_EQ(s->state, 'S');
  EXPECT_EQ(s->num_threads, 3);
  EXPECT_EQ(s->starttime_ticks, 217114u);
}

TEST(ParseStat, FieldsCountedFromTheLastParen) {
  // comm "a) (b c) d" would shift every field if split on the first ')'.
  auto s = parse_stat(captured("malformed/stat_comm_with_parens"));
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->ppid, kWrapper);
  EXPECT_EQ(s->num_threads, 3);
  EXPECT_EQ(s->starttime_ticks, 217114u);
}

TEST(ParseStat, CpuTicks) {
  auto s = parse_stat("7 (x) R 1 7 7 0 -1 0 0 0 0 0 150 25 3 4 20 0 2 0 999 0 0");
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->utime_ticks, 150u);
  EXPECT_EQ(s->stime_ticks, 25u);
  EXPECT_EQ(s->cutime_ticks, 3u);
  EXPECT_EQ(s->cstime_ticks, 4u);
  EXPECT_EQ(s->num_threads, 2);
  EXPECT_EQ(s->starttime_ticks, 999u);
}

TEST(ParseStat, MalformedFilesAreErrors) {
  auto truncated = parse_stat(captured("malformed/stat_truncated"));
  ASSERT_FALSE(truncated.ok());
  EXPECT_THAT(truncated.message(), HasSubstr("truncated"));
  EXPECT_THAT(parse_stat("").message(), HasSubstr("comm"));
  EXPECT_FALSE(parse_stat(captured("malformed/garbage")).ok());
  EXPECT_FALSE(parse_stat("1 (x) S one 7 7 0 -1 0 0 0 0 0 1 2 3 4 20 0 2 0 9").ok());
  EXPECT_FALSE(parse_stat("x) (y").ok());
}

TEST(ParseSmapsRollup, CapturedPss) {
  auto pss = parse_smaps_rollup_pss(captured("25921/smaps_rollup"));
  ASSERT_TRUE(pss.ok()) << pss.message();
  EXPECT_EQ(*pss, 445 * kKiB);  // "Pss:", not Pss_Anon/Pss_File/SwapPss
}

TEST(ParseSmapsRollup, MalformedFilesAreErrors) {
  EXPECT_THAT(parse_smaps_rollup_pss(captured("malformed/smaps_rollup_no_pss")).message(),
              HasSubstr("Pss"));
  EXPECT_THAT(parse_smaps_rollup_pss(captured("malformed/smaps_rollup_bad_unit")).message(),
              HasSubstr("kB"));
  EXPECT_FALSE(parse_smaps_rollup_pss(captured("malformed/garbage")).ok());
  EXPECT_FALSE(parse_smaps_rollup_pss(captured("malformed/empty")).ok());
}

TEST(ParsePidList, ChildrenFile) {
  auto p = parse_pid_list("12 345 6 \n");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, (std::vector<pid_t>{12, 345, 6}));
  EXPECT_TRUE(parse_pid_list("")->empty());
  EXPECT_THAT(parse_pid_list("12 x3").message(), HasSubstr("x3"));
  EXPECT_FALSE(parse_pid_list("-4").ok());
}

TEST(ParseLoadavg, LastPid) {
  auto p = parse_loadavg_last_pid("12.38 11.47 8.03 14/170 22779\n");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, 22779);
  EXPECT_FALSE(parse_loadavg_last_pid("0.1 0.2").ok());
  EXPECT_FALSE(parse_loadavg_last_pid("0.1 0.2 0.3 1/2 abc").ok());
}

// ---------------------------------------------------------------------------
// Reader and tree on the captured root

TEST(ProcReaderCaptured, ReadsFilesOfOnePid) {
  ProcReader r(testdata());
  auto st = r.status(kServer);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_TRUE(st->has_value());
  EXPECT_EQ((*st)->threads, 3);
  // 0,1,2, the listening socket 3, 5..29 (24 leaked sockets + /dev/null at
  // 10) and the inherited pipe at 251.
  auto fds = r.fds(kServer, true);
  ASSERT_TRUE(fds.ok()) << fds.message();
  ASSERT_TRUE(fds->has_value());
  EXPECT_EQ((*fds)->fds, 30);
  EXPECT_EQ((*fds)->sockets, 25);
  auto wfds = r.fds(kWrapper, true);
  ASSERT_TRUE(wfds.ok() && wfds->has_value());
  EXPECT_EQ((*wfds)->fds, 6);
  EXPECT_EQ((*wfds)->sockets, 0);
}

TEST(ProcReaderCaptured, MissingPidIsGoneNotAnError) {
  ProcReader r(testdata());
  auto st = r.status(4242424);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_FALSE(st->has_value());
  auto fds = r.fds(4242424, true);
  ASSERT_TRUE(fds.ok());
  EXPECT_FALSE(fds->has_value());
  // A zombie's smaps_rollup read fails with ESRCH: captured as no file.
  auto pss = r.pss_bytes(kZombie);
  ASSERT_TRUE(pss.ok());
  EXPECT_FALSE(pss->has_value());
}

TEST(ProcReaderCaptured, MalformedFileIsAnErrorNamingThePath) {
  soak::testing::TempDir dir;
  copy_testdata(dir.path() / "proc");
  fs::copy_file(testdata() / "malformed/status_bad_vmrss", dir.path() / "proc/25921/status",
                fs::copy_options::overwrite_existing);
  ProcReader r(dir.path() / "proc");
  auto st = r.status(kServer);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("25921/status"));
  EXPECT_THAT(st.message(), HasSubstr("VmRSS"));
}

TEST(ProcTreeCaptured, ScanFindsDescendantsAndSumsThem) {
  ProcReader r(testdata());
  ASSERT_FALSE(r.has_children_files());  // captured on a kernel without them
  ProcTree tree(r);
  auto now = ProcTree::Clock::now();
  auto m = tree.members(kWrapper, now);
  ASSERT_TRUE(m.ok()) << m.message();
  EXPECT_THAT(*m, UnorderedElementsAre(kWrapper, kServer));
  EXPECT_EQ(m->front(), kWrapper);
  auto s = tree.sample(kWrapper, now);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->processes, 2u);
  EXPECT_EQ(s->rss_bytes, (1720 + 3124) * kKiB);
  EXPECT_EQ(*s->rss_anon_bytes, (112 + 224) * kKiB);
  EXPECT_EQ(s->threads, 1 + 3);
  EXPECT_EQ(s->fds, 6 + 30);
  EXPECT_EQ(s->sockets, 25);
  auto pss = tree.pss_bytes(kWrapper, now);
  ASSERT_TRUE(pss.ok()) << pss.message();
  EXPECT_EQ(*pss, (152 + 445) * kKiB);
}

TEST(ProcTreeCaptured, ChildrenFilesWhenTheKernelHasThem) {
  soak::testing::TempDir dir;
  copy_testdata(dir.path() / "proc");
  // task/<tid>/ directories are empty in the capture and git keeps no empty
  // directories: make them here.
  std::filesystem::create_directories(dir.path() / "proc/25919/task/25919");
  std::filesystem::create_directories(dir.path() / "proc/25921/task/25921");
  soak::testing::write_file(dir.path() / "proc/25919/task/25919/children", "25921 ");
  soak::testing::write_file(dir.path() / "proc/25921/task/25921/children", "");
  ProcReader r(dir.path() / "proc");
  ASSERT_TRUE(r.has_children_files());
  ProcTree tree(r);
  auto m = tree.members(kWrapper, ProcTree::Clock::now());
  ASSERT_TRUE(m.ok()) << m.message();
  EXPECT_EQ(*m, (std::vector<pid_t>{kWrapper, kServer}));
}

TEST(ProcTreeCaptured, VanishedDescendantIsSkippedVanishedRootIsAnError) {
  soak::testing::TempDir dir;
  copy_testdata(dir.path() / "proc");
  ProcReader r(dir.path() / "proc");
  ProcTree tree(r);
  auto now = ProcTree::Clock::now();
  ASSERT_EQ(tree.members(kWrapper, now)->size(), 2u);
  fs::remove_all(dir.path() / "proc/25921");  // the server exits after the scan
  auto s = tree.sample(kWrapper, now);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->processes, 1u);
  EXPECT_EQ(s->fds, 6);
  fs::remove_all(dir.path() / "proc/25919");
  auto gone = tree.sample(kWrapper, now);
  ASSERT_FALSE(gone.ok());
  EXPECT_THAT(gone.message(), HasSubstr("25919"));
  EXPECT_FALSE(tree.pss_bytes(kWrapper, now).ok());
}

TEST(ProcTreeCaptured, ReusedPidIsNotCountedAsTheDescendant) {
  soak::testing::TempDir dir;
  copy_testdata(dir.path() / "proc");
  ProcReader r(dir.path() / "proc");
  ProcTree tree(r);
  auto now = ProcTree::Clock::now();
  ASSERT_EQ(tree.members(kWrapper, now)->size(), 2u);
  // Same pid, later start time: another process got the pid.
  std::string stat = soak::testing::read_file(dir.path() / "proc/25921/stat");
  stat.replace(stat.find(" 217114 "), 8, " 999999 ");
  soak::testing::write_file(dir.path() / "proc/25921/stat", stat);
  auto s = tree.sample(kWrapper, now);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->processes, 1u);
}

TEST(ProcTreeCaptured, UnknownRootIsAnErrorNamingIt) {
  ProcReader r(testdata());
  ProcTree tree(r);
  auto m = tree.members(4242424, ProcTree::Clock::now());
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.message(), HasSubstr("4242424"));
}

// ---------------------------------------------------------------------------
// Live processes

// A child process with its stdout on a pipe; killed and reaped on scope exit.
class Child {
 public:
  explicit Child(std::function<void()> body) {
    int p[2];
    EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);  // own group, so cleanup reaches grandchildren too
      ::dup2(p[1], 1);
      body();
      ::_exit(0);
    }
    ::setpgid(pid_, pid_);  // also here: whichever runs first wins the race
    ::close(p[1]);
    out_ = p[0];
  }
  explicit Child(const std::vector<std::string>& argv)
      : Child([argv] {
          std::vector<char*> args;
          for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
          args.push_back(nullptr);
          ::signal(SIGINT, SIG_DFL);
          ::execv(args[0], args.data());
          ::_exit(127);
        }) {}
  ~Child() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }
  pid_t pid() const { return pid_; }
  /// One line of stdout, or "" after 10 s or at EOF.
  std::string read_line() {
    std::string line;
    char c;
    while (true) {
      pollfd pfd{out_, POLLIN, 0};
      if (::poll(&pfd, 1, 10000) <= 0) return line;
      if (::read(out_, &c, 1) != 1 || c == '\n') return line;
      line += c;
    }
  }
  /// Sends sig and waits; returns the exit code, or 128+signal.
  int stop(int sig) {
    ::kill(pid_, sig);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    ::kill(-pid_, SIGKILL);  // whatever is left of the group
    pid_ = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  int wait() {
    int st = 0;
    ::waitpid(pid_, &st, 0);
    ::kill(-pid_, SIGKILL);
    pid_ = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

TEST(ProcTreeLive, KnownFdsSocketsThreadsAndMemory) {
  // The child keeps exactly fds 0-2, stdout's pipe is fd 1, then opens 10
  // files and 3 sockets, starts 4 threads and touches 32 MiB.
  Child child([] {
    for (int fd = 0; fd <= 2; ++fd) {
      if (::fcntl(fd, F_GETFD) < 0) ::open("/dev/null", O_RDWR);
    }
    ::close_range(3, ~0U, 0);
    for (int i = 0; i < 10; ++i) ::open("/dev/null", O_RDONLY);
    for (int i = 0; i < 3; ++i) ::socket(AF_INET, SOCK_STREAM, 0);
    static char* mem = static_cast<char*>(std::malloc(32 << 20));
    std::memset(mem, 1, 32 << 20);
    for (int i = 0; i < 4; ++i) std::thread([] { ::pause(); }).detach();
    ::write(1, "ready\n", 6);
    for (;;) ::pause();
  });
  ASSERT_EQ(child.read_line(), "ready");
  ProcReader r;
  ProcTree tree(r);
  auto s = tree.sample(child.pid(), ProcTree::Clock::now());
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(s->processes, 1u);
  EXPECT_EQ(s->fds, 3 + 10 + 3);
  EXPECT_EQ(s->sockets, 3);
  EXPECT_EQ(s->threads, 5);
  ASSERT_TRUE(s->rss_anon_bytes.has_value());
  EXPECT_GE(*s->rss_anon_bytes, 32.0 * (1 << 20));
  EXPECT_GE(s->rss_bytes, *s->rss_anon_bytes);
  auto pss = tree.pss_bytes(child.pid(), ProcTree::Clock::now());
  ASSERT_TRUE(pss.ok()) << pss.message();
  EXPECT_GE(*pss, 32.0 * (1 << 20));
  // The fast count (st_size on Linux >= 6.2, else a listing) agrees.
  auto fast = r.fds(child.pid(), false);
  ASSERT_TRUE(fast.ok() && fast->has_value());
  EXPECT_EQ((*fast)->fds, 16);
}

TEST(ProcTreeLive, CpuSecondsCountsBusyChild) {
  Child child([] {
    ::write(1, "go\n", 3);
    volatile double x = 0;
    // Spin until killed.
    for (;;) x = x + 1;
  });
  ASSERT_EQ(child.read_line(), "go");
  ProcReader r;
  ProcTree tree(r);
  double cpu = 0;
  // Until at least one tick of CPU shows (deadline 30 s on a loaded machine).
  EXPECT_TRUE(soak::testing::wait_until(
      [&] {
        auto s = tree.sample(child.pid(), ProcTree::Clock::now());
        cpu = s.ok() ? s->cpu_seconds : 0;
        return cpu > 0;
      },
      30));
  EXPECT_GT(cpu, 0);
}

TEST(ProcTreeLive, WrapperTreeIncludesTheChildsResources) {
  Child wrapper(std::vector<std::string>{wrapper_sh(), leaky_server(), "--port", "0"});
  ASSERT_THAT(wrapper.read_line(), HasSubstr("listening on 127.0.0.1:"));
  ProcReader r;
  ProcTree tree(r);
  auto m = tree.members(wrapper.pid(), ProcTree::Clock::now());
  ASSERT_TRUE(m.ok()) << m.message();
  ASSERT_EQ(m->size(), 2u);
  pid_t server = (*m)[1];
  auto server_stat = r.stat(server);
  ASSERT_TRUE(server_stat.ok() && server_stat->has_value());
  EXPECT_EQ((*server_stat)->ppid, wrapper.pid());
  EXPECT_EQ((*server_stat)->pgrp, ::getpgid(server));

  auto whole = tree.sample(wrapper.pid(), ProcTree::Clock::now());
  ASSERT_TRUE(whole.ok()) << whole.message();
  auto wfds = r.fds(wrapper.pid(), true);
  auto sfds = r.fds(server, true);
  ASSERT_TRUE(wfds.ok() && wfds->has_value() && sfds.ok() && sfds->has_value());
  EXPECT_EQ(whole->processes, 2u);
  EXPECT_EQ(whole->fds, (*wfds)->fds + (*sfds)->fds);
  EXPECT_GE(whole->sockets, 1);  // the server's listening socket
  EXPECT_EQ(whole->sockets, *(*sfds)->sockets);
  EXPECT_EQ(whole->threads, 1 + (*server_stat)->num_threads);

  // SIGTERM to the wrapper reaches the server; both exit 0.
  EXPECT_EQ(wrapper.stop(SIGTERM), 0);
}

// Sends `count` requests on one keep-alive connection and reads the replies.
class HttpClient {
 public:
  explicit HttpClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~HttpClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  /// Status code of the reply, or -1.
  int request(const std::string& method, const std::string& target, const std::string& body = "") {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
    if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
      return -1;
    std::string in;
    char buf[4096];
    for (;;) {
      size_t hdr = in.find("\r\n\r\n");
      if (hdr != std::string::npos) {
        size_t cl = in.find("Content-Length: ");
        size_t len = std::stoul(in.substr(cl + 16));
        if (in.size() >= hdr + 4 + len) {
          last_body_ = in.substr(hdr + 4, len);
          return std::stoi(in.substr(9, 3));
        }
      }
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return -1;
      in.append(buf, static_cast<size_t>(n));
    }
  }
  const std::string& last_body() const { return last_body_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string last_body_;
};

int port_of(const std::string& listening_line) {
  return std::stoi(listening_line.substr(listening_line.rfind(':') + 1));
}

TEST(LeakyServer, RoutesAndExitsZeroOnSigterm) {
  Child server(std::vector<std::string>{leaky_server(), "--port", "0"});
  std::string line = server.read_line();
  ASSERT_THAT(line, HasSubstr("listening on 127.0.0.1:"));
  HttpClient c(port_of(line));
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(c.request("GET", "/healthz"), 200);
  EXPECT_EQ(c.last_body(), "ok\n");
  EXPECT_EQ(c.request("GET", "/api"), 200);
  EXPECT_EQ(c.request("POST", "/api", "{\"x\":1}"), 200);
  EXPECT_EQ(c.request("GET", "/slow?ms=5"), 200);
  EXPECT_EQ(c.request("GET", "/status/503"), 503);
  EXPECT_EQ(c.request("GET", "/status/abc"), 404);
  EXPECT_EQ(c.request("GET", "/nope"), 404);
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

TEST(LeakyServer, CrashAfterExits42) {
  Child server(std::vector<std::string>{leaky_server(), "--port", "0", "--crash-after", "0.2"});
  EXPECT_EQ(server.wait(), 42);
}

TEST(LeakyServer, NeverReadyNeverListens) {
  Child server(std::vector<std::string>{leaky_server(), "--port", "0", "--never-ready"});
  // Past the point where it would have started listening.
  ASSERT_EQ(server.read_line(), "never ready: no port bound");
  ProcReader r;
  auto fds = r.fds(server.pid(), true);
  ASSERT_TRUE(fds.ok() && fds->has_value());
  EXPECT_EQ(*(*fds)->sockets, 0);
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

TEST(LeakyServer, BadFlagsExit2NamingTheFlag) {
  auto r = soak::testing::run_command({leaky_server().string(), "--leak", "lots"}, 10);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--leak \"lots\""));
  auto p = soak::testing::run_command({leaky_server().string(), "--port", "70000"}, 10);
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_THAT(p.err, HasSubstr("--port"));
}

struct LeakCase {
  const char* mode;
  // Expected growth of the sample after 20 /api requests.
  std::function<void(const TreeSample& before, const TreeSample& after)> check;
};

class LeakyServerLeaks : public ::testing::TestWithParam<LeakCase> {};

TEST_P(LeakyServerLeaks, PerRequestLeakShowsInTheProbe) {
  Child server(std::vector<std::string>{leaky_server(), "--port", "0", "--leak", GetParam().mode});
  std::string line = server.read_line();
  ASSERT_THAT(line, HasSubstr("listening on"));
  HttpClient c(port_of(line));
  ASSERT_TRUE(c.connected());
  ASSERT_EQ(c.request("GET", "/healthz"), 200);  // the connection's thread now exists
  ProcReader r;
  ProcTree tree(r);
  auto before = tree.sample(server.pid(), ProcTree::Clock::now());
  ASSERT_TRUE(before.ok()) << before.message();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(c.request("GET", "/api"), 200);
  auto after = tree.sample(server.pid(), ProcTree::Clock::now());
  ASSERT_TRUE(after.ok()) << after.message();
  GetParam().check(*before, *after);
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Modes, LeakyServerLeaks,
    ::testing::Values(
        LeakCase{"none",
                 [](const TreeSample& b, const TreeSample& a) {
                   EXPECT_EQ(a.fds, b.fds);
                   EXPECT_EQ(a.threads, b.threads);
                 }},
        LeakCase{"memory",
                 [](const TreeSample& b, const TreeSample& a) {
                   // 20 x 64 KiB, written, so resident.
                   EXPECT_GE(*a.rss_anon_bytes - *b.rss_anon_bytes, 20 * 64 * kKiB);
                   EXPECT_GE(a.rss_bytes - b.rss_bytes, 20 * 64 * kKiB);
                 }},
        LeakCase{"threads",
                 [](const TreeSample& b, const TreeSample& a) {
                   EXPECT_EQ(a.threads - b.threads, 20);
                   EXPECT_EQ(a.fds, b.fds);
                 }},
        LeakCase{"fds",
                 [](const TreeSample& b, const TreeSample& a) {
                   EXPECT_EQ(a.fds - b.fds, 20);
                   EXPECT_EQ(a.sockets, b.sockets);
                 }},
        LeakCase{"sockets",
                 [](const TreeSample& b, const TreeSample& a) {
                   EXPECT_EQ(a.fds - b.fds, 20);
                   EXPECT_EQ(a.sockets - b.sockets, 20);
                 }}),
    [](const auto& info) { return std::string(info.param.mode); });

TEST(LeakyServer, BackgroundLeakGrowsWithoutLoad) {
  Child server(std::vector<std::string>{leaky_server(), "--port", "0", "--leak", "fds",
                                        "--leak-per-s", "200"});
  ASSERT_THAT(server.read_line(), HasSubstr("listening on"));
  ProcReader r;
  ProcTree tree(r);
  auto first = tree.sample(server.pid(), ProcTree::Clock::now());
  ASSERT_TRUE(first.ok()) << first.message();
  long grown = 0;
  // Until 20 more fds (0.1 s at the nominal rate; deadline 30 s).
  EXPECT_TRUE(soak::testing::wait_until(
      [&] {
        auto s = tree.sample(server.pid(), ProcTree::Clock::now());
        if (s.ok()) grown = s->fds - first->fds;
        return grown >= 20;
      },
      30));
  EXPECT_GE(grown, 20);
}

// ---------------------------------------------------------------------------
// The probes

TEST(ProcProbes, NamesIntervalsAndSeries) {
  ProbeOptions o;
  o.interval = std::chrono::milliseconds(500);
  o.pss_interval = std::chrono::seconds(45);
  auto probes = make_proc_probes(o);
  ASSERT_EQ(probes.size(), 2u);
  EXPECT_EQ(probes[0]->name(), "proc");
  EXPECT_EQ(probes[0]->interval(), std::chrono::milliseconds(500));
  EXPECT_THAT(probes[0]->series(),
              UnorderedElementsAre("rss_bytes", "rss_anon_bytes", "threads", "fds", "sockets",
                                   "cpu_seconds"));
  EXPECT_EQ(probes[1]->name(), "pss");
  EXPECT_EQ(probes[1]->interval(), std::chrono::seconds(45));
  EXPECT_THAT(probes[1]->series(), UnorderedElementsAre("pss_bytes"));
}

TEST(ProcProbes, SampleALiveProcessAndAnExitedOne) {
  auto probes = make_proc_probes(ProbeOptions{});
  Child child([] {
    ::write(1, "up\n", 3);
    for (;;) ::pause();
  });
  ASSERT_EQ(child.read_line(), "up");
  Target t{child.pid()};
  auto readings = probes[0]->sample(t);
  ASSERT_TRUE(readings.ok()) << readings.message();
  std::vector<std::string> names;
  for (const auto& rd : *readings) {
    names.push_back(rd.series);
    EXPECT_FALSE(rd.t.has_value());
    if (rd.series == "threads") {
      EXPECT_EQ(rd.value, 1);
    }
    if (rd.series == "rss_bytes") {
      EXPECT_GT(rd.value, 0);
    }
  }
  EXPECT_THAT(names, UnorderedElementsAre("rss_bytes", "rss_anon_bytes", "threads", "fds",
                                          "sockets", "cpu_seconds"));
  auto pss = probes[1]->sample(t);
  ASSERT_TRUE(pss.ok()) << pss.message();
  ASSERT_EQ(pss->size(), 1u);
  EXPECT_GT((*pss)[0].value, 0);

  pid_t pid = child.pid();
  child.stop(SIGKILL);  // reaped: the pid has no /proc entry any more
  auto gone = probes[0]->sample(Target{pid});
  ASSERT_FALSE(gone.ok());
  EXPECT_THAT(gone.message(), HasSubstr(std::to_string(pid)));
  EXPECT_FALSE(probes[1]->sample(Target{pid}).ok());
}

}  // namespace
}  // namespace soak
