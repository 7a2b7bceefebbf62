#include "tests/testing/testing.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

extern char** environ;

namespace soak::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::random_device rd;
  for (int i = 0; i < 100; ++i) {
    fs::path p = fs::path(base ? base : "/tmp") / ("soak-test-" + std::to_string(rd()));
    std::error_code ec;
    if (fs::create_directory(p, ec)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("TempDir: cannot create a directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!std::getenv("SOAK_KEEP_TEST_DIRS")) fs::remove_all(path_, ec);
}

fs::path build_dir() {
  if (const char* e = std::getenv("SOAK_BUILD_DIR")) return e;
  return SOAK_TEST_BUILD_DIR;
}
fs::path source_dir() {
  if (const char* e = std::getenv("SOAK_SOURCE_DIR")) return e;
  return SOAK_TEST_SOURCE_DIR;
}
fs::path soak_binary() { return build_dir() / "soak"; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

namespace {

// fork + execv of argv with stdin/stdout/stderr on the given fds and
// `extra_env` added. Everything the child needs is built before the fork: a
// child of a multi-threaded test may not allocate.
pid_t spawn(const std::vector<std::string>& argv, int in, int out, int err,
            const std::vector<std::string>& extra_env = {}) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  auto key = [](std::string_view kv) { return kv.substr(0, kv.find('=')); };
  for (char** e = environ; *e; ++e) {
    bool overridden = false;
    for (const auto& x : extra_env) overridden = overridden || key(x) == key(*e);
    if (!overridden) env.push_back(*e);
  }
  for (const auto& e : extra_env) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execve(args[0], args.data(), env.data());
    _exit(127);
  }
  if (pid < 0) throw std::runtime_error("fork failed");
  return pid;
}

}  // namespace

std::string read_fd(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

CommandResult run_command(const std::vector<std::string>& argv, double timeout_s,
                          const std::vector<std::string>& extra_env) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t pid = spawn(argv, devnull, out_pipe[1], err_pipe[1], extra_env);
  close(devnull);
  close(out_pipe[1]);
  close(err_pipe[1]);
  CommandResult r;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) < 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

Background::Background(const std::vector<std::string>& argv, const fs::path& log) {
  int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  pid_ = spawn(argv, in, out, out);
  close(in);
  close(out);
}

Background::~Background() {
  if (!reaped_) stop(SIGKILL);
}

bool Background::running() {
  if (reaped_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

int Background::wait(double timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  while (!reaped_) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      stop(SIGKILL);
      return -2;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

void Background::stop(int sig) {
  if (reaped_) return;
  kill(pid_, sig);
  int status = 0;
  waitpid(pid_, &status, 0);
  reaped_ = true;
}

// Ports handed out lie below the kernel's ephemeral range, so an outgoing
// connection of another test never takes one between free_port() and the
// server's bind; the start is random per process and each call moves on, so
// concurrent test processes rarely try the same port, and a port found busy
// is skipped.
int free_port() {
  static std::atomic<int> next{[] {
    std::random_device rd;
    return static_cast<int>(rd() % 8000);
  }()};
  int low = 32768;
  if (std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range"); in) in >> low;
  const int first = 20000, span = std::max(1000, low - first);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    int port = first + (next.fetch_add(1) % span);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    if (ok) return port;
  }
  throw std::runtime_error("free_port: no free port below the ephemeral range");
}

bool wait_until(const std::function<bool()>& condition, double timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

bool wait_for_text(const std::filesystem::path& file, const std::string& text, double timeout_s) {
  return wait_until([&] { return read_file(file).find(text) != std::string::npos; }, timeout_s);
}

}  // namespace soak::testing
