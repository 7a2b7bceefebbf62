#include "common/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <atomic>
#include <set>

#include <boost/asio/io_context.hpp>
#include <boost/process/v2/default_launcher.hpp>
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/start_dir.hpp>
#include <boost/process/v2/stdio.hpp>

extern char** environ;

namespace soak {

namespace bp = boost::process::v2;

namespace {

// The children some Child owns and reaps itself (reap_orphans leaves them).
std::mutex g_owned_mu;
std::set<pid_t> g_owned;
std::atomic<bool> g_subreaper{false};

// Runs in the child between fork and exec: async-signal-safe calls only.
// A failure is also written to `report_fd` (close-on-exec): Boost.Process
// 1.81 does not pass an on_exec_setup error code on to the parent.
struct ChildSetup {
  pid_t parent;
  bool death_signal;
  const std::function<int()>* extra;
  int report_fd;
  bp::error_code fail(int err) {
    [[maybe_unused]] auto n = ::write(report_fd, &err, sizeof err);
    return bp::error_code(err, bp::system_category());
  }
  template <class Launcher>
  bp::error_code on_exec_setup(Launcher&, const bp::filesystem::path&, const char* const*) {
    if (int err = prepare_child_after_fork(parent, death_signal)) return fail(err);
    if (extra && *extra)
      if (int err = (*extra)()) return fail(err);
    return {};
  }
};

std::vector<std::string> build_env(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

// The parent's end and the child's end of one output stream.
struct Stream {
  Fd read_end;   // kPipe: ours
  Fd write_end;  // kPipe: the child's, closed after the spawn
  int child_fd = -1;
};

Status open_stream(const Output& o, Stream& s) {
  switch (o.kind) {
    case Output::Kind::kNull: break;  // Boost.Process: nullptr is /dev/null
    case Output::Kind::kFd: s.child_fd = o.fd; break;
    case Output::Kind::kPipe: {
      int p[2];
      if (::pipe2(p, O_CLOEXEC) != 0) return make_error(std::string("pipe: ") + std::strerror(errno));
      s.read_end = Fd(p[0]);
      s.write_end = Fd(p[1]);
      s.child_fd = p[1];
      break;
    }
  }
  return Status::Ok();
}

}  // namespace

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "SIG" + std::to_string(sig);
}

struct Child::Impl {
  boost::asio::io_context ctx;
  std::optional<bp::process> proc;
};

Result<std::unique_ptr<Child>> Child::spawn(const SpawnOptions& o) {
  if (o.argv.empty()) return make_error(o.what + " is empty");
  bp::filesystem::path exe = o.argv[0];
  if (o.argv[0].find('/') == std::string::npos) {
    exe = bp::environment::find_executable(o.argv[0]);
    if (exe.empty()) return make_error(o.what + " \"" + o.argv[0] + "\": not found in PATH");
  }
  Stream out, err;
  SOAK_TRY(open_stream(o.out, out));
  SOAK_TRY(open_stream(o.err, err));

  std::unique_ptr<Child> child(new Child());
  child->impl_ = std::make_unique<Impl>();
  std::vector<std::string> args(o.argv.begin() + 1, o.argv.end());
  std::filesystem::path cwd = o.cwd.empty() ? std::filesystem::path(".") : o.cwd;
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return make_error(std::string("pipe: ") + std::strerror(errno));
  Fd report_r(report[0]), report_w(report[1]);
  bp::error_code ec;
  {
    // Registered before anyone can see it end (see reap_orphans).
    std::lock_guard lock(g_owned_mu);
    auto stdio = bp::process_stdio{nullptr, nullptr, nullptr};
    if (out.child_fd >= 0) stdio.out = out.child_fd;
    if (err.child_fd >= 0) stdio.err = err.child_fd;
    bp::process proc = bp::default_process_launcher()(
        child->impl_->ctx.get_executor(), ec, exe, args, stdio, bp::process_environment(build_env(o.env)),
        bp::process_start_dir(cwd.string()), ChildSetup{::getpid(), o.death_signal, &o.child_setup, report_w.get()});
    report_w.reset();
    if (ec) {
      int err = 0;
      std::string why = ec.message();
      if (::read(report_r.get(), &err, sizeof err) == static_cast<ssize_t>(sizeof err))
        why = "before exec: " + std::string(std::strerror(err));
      return make_error("cannot launch \"" + o.argv[0] + "\": " + why);
    }
    child->pid_ = proc.id();
    child->impl_->proc.emplace(std::move(proc));
    g_owned.insert(child->pid_);
  }
  child->out_ = std::move(out.read_end);
  child->err_ = std::move(err.read_end);
  // One owner reaps: this thread, with a blocking wait (never mixed with
  // async handlers or running() elsewhere).
  Child* self = child.get();
  child->reaper_ = std::thread([self] {
    int status = 0;
    pid_t r;
    do {
      r = ::waitpid(self->pid_, &status, 0);
    } while (r < 0 && errno == EINTR);
    ExitStatus es;
    if (r == self->pid_) {
      if (WIFEXITED(status)) es.code = WEXITSTATUS(status);
      else if (WIFSIGNALED(status)) es.signal = WTERMSIG(status);
    }
    {
      std::lock_guard lock(g_owned_mu);
      g_owned.erase(self->pid_);
    }
    {
      std::lock_guard lock(self->mu_);
      self->status_ = es;
    }
    self->cv_.notify_all();
  });
  // Boost.Process does not always see a failed on_exec_setup: our own report
  // pipe reads EOF at the exec (close-on-exec) or the errno of the failure.
  int setup_err = 0;
  ssize_t n;
  do {
    n = ::read(report_r.get(), &setup_err, sizeof setup_err);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof setup_err)) {
    child->wait_for(std::chrono::seconds(5));
    return make_error("cannot launch \"" + o.argv[0] + "\": before exec: " + std::strerror(setup_err));
  }
  return child;
}

Child::~Child() {
  if (pid_ > 0) stop(std::chrono::seconds(2));
  if (reaper_.joinable()) reaper_.join();
  // The process is reaped: keep Boost from waiting on or killing a PID that
  // may already belong to someone else.
  if (impl_ && impl_->proc) impl_->proc->detach();
}

std::optional<ExitStatus> Child::exit_status() const {
  std::lock_guard lock(mu_);
  return status_;
}

std::optional<ExitStatus> Child::wait_for(Duration timeout) const {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return status_.has_value(); });
  return status_;
}

bool group_alive(pid_t pgid) {
  reap_orphans();
  return ::kill(-pgid, 0) == 0;
}

int become_subreaper() {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return errno;
  g_subreaper = true;
  return 0;
}

int reap_orphans() {
  if (!g_subreaper) return 0;
  int reaped = 0;
  std::lock_guard lock(g_owned_mu);
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) break;
    pid_t pid = info.si_pid;
    // An owned child that ended: its owner reaps it (in a moment); the other
    // ended children are not reachable through P_ALL until then.
    if (g_owned.count(pid)) break;
    if (::waitpid(pid, nullptr, WNOHANG) == pid) ++reaped;
    else break;
  }
  return reaped;
}

ExitStatus Child::stop(Duration grace) {
  if (pid_ <= 0) return {};
  ::kill(-pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  wait_for(grace);
  while (group_alive(pid_) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (group_alive(pid_) || !exit_status()) ::kill(-pid_, SIGKILL);
  auto st = wait_for(std::chrono::seconds(5));
  // Stragglers that left the leader behind (a wrapper's children).
  for (int i = 0; i < 50 && group_alive(pid_); ++i) {
    ::kill(-pid_, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return st.value_or(ExitStatus{});
}

}  // namespace soak
