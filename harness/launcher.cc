#include "harness/launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <boost/asio/io_context.hpp>
#include <boost/process/v2/default_launcher.hpp>
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/start_dir.hpp>
#include <boost/process/v2/stdio.hpp>

#include "probes/proc.h"

extern char** environ;

namespace soak {

namespace bp = boost::process::v2;

std::string signal_name(int sig) {
  switch (sig) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGSEGV: return "SIGSEGV";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
    case SIGUSR1: return "SIGUSR1";
    case SIGUSR2: return "SIGUSR2";
    default: return "SIG" + std::to_string(sig);
  }
}

SutExit to_sut_exit(const ExitStatus& status, bool oom_killed) {
  SutExit e;
  e.code = status.code;
  if (status.signal) e.signal = signal_name(*status.signal);
  e.oom_killed = oom_killed;
  return e;
}

namespace {

// Runs in the child between fork and exec: async-signal-safe calls only.
struct GroupAndDeathSignal {
  pid_t parent;
  template <class Launcher>
  bp::error_code on_exec_setup(Launcher&, const bp::filesystem::path&, const char* const*) {
    if (int err = prepare_child_after_fork(parent)) return bp::error_code(err, bp::system_category());
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

}  // namespace

struct Child::Impl {
  boost::asio::io_context ctx;
  std::optional<bp::process> proc;
};

Result<std::unique_ptr<Child>> Child::launch(const LaunchSpec& spec) {
  if (spec.command.empty()) return make_error("SUT command is empty");
  bp::filesystem::path exe = spec.command[0];
  if (spec.command[0].find('/') == std::string::npos) {
    exe = bp::environment::find_executable(spec.command[0]);
    if (exe.empty()) return make_error("SUT command \"" + spec.command[0] + "\": not found in PATH");
  }
  int outp[2], errp[2];
  if (::pipe2(outp, O_CLOEXEC) != 0) return make_error(std::string("pipe: ") + std::strerror(errno));
  Fd out_r(outp[0]), out_w(outp[1]);
  if (::pipe2(errp, O_CLOEXEC) != 0) return make_error(std::string("pipe: ") + std::strerror(errno));
  Fd err_r(errp[0]), err_w(errp[1]);

  std::unique_ptr<Child> child(new Child());
  child->impl_ = std::make_unique<Impl>();
  std::vector<std::string> args(spec.command.begin() + 1, spec.command.end());
  bp::error_code ec;
  std::filesystem::path cwd = spec.cwd.empty() ? std::filesystem::path(".") : spec.cwd;
  bp::process proc = bp::default_process_launcher()(
      child->impl_->ctx.get_executor(), ec, exe, args,
      bp::process_stdio{nullptr, out_w.get(), err_w.get()}, bp::process_environment(build_env(spec.env)),
      bp::process_start_dir(cwd.string()), GroupAndDeathSignal{::getpid()});
  if (ec) {
    return make_error("cannot launch \"" + spec.command[0] + "\": " + ec.message());
  }
  child->pid_ = proc.id();
  child->impl_->proc.emplace(std::move(proc));
  child->out_ = std::move(out_r);
  child->err_ = std::move(err_r);
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
      std::lock_guard lock(self->mu_);
      self->status_ = es;
    }
    self->cv_.notify_all();
  });
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

bool Child::group_alive() const {
  // A group with only zombies left is dead for our purposes.
  if (::kill(-pid_, 0) != 0) return false;
  ProcReader reader;
  auto stats = reader.all_stats();
  if (!stats) return true;  // cannot tell: the group answered kill(0)
  for (const auto& [pid, st] : *stats)
    if (st.pgrp == pid_ && st.state != 'Z' && st.state != 'X') return true;
  return false;
}

ExitStatus Child::stop(Duration grace) {
  if (pid_ <= 0) return {};
  ::kill(-pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  wait_for(grace);
  while (group_alive() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (group_alive() || !exit_status()) ::kill(-pid_, SIGKILL);
  auto st = wait_for(std::chrono::seconds(5));
  // Stragglers that left the leader behind (a wrapper's children).
  for (int i = 0; i < 50 && group_alive(); ++i) {
    ::kill(-pid_, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return st.value_or(ExitStatus{});
}

void merge_gctrace(std::map<std::string, std::string>& env) {
  std::string current;
  if (auto it = env.find("GODEBUG"); it != env.end()) current = it->second;
  else if (const char* e = std::getenv("GODEBUG")) current = e;
  if (current.find("gctrace=") != std::string::npos) {
    // A user's own gctrace setting wins over ours only if it enables it.
    if (current.find("gctrace=0") == std::string::npos) {
      env["GODEBUG"] = current;
      return;
    }
  }
  env["GODEBUG"] = current.empty() ? "gctrace=1" : current + ",gctrace=1";
}

std::optional<long long> read_oom_kill_count() {
  std::ifstream in("/proc/vmstat");
  std::string key;
  long long value = 0;
  while (in >> key >> value)
    if (key == "oom_kill") return value;
  return std::nullopt;
}

}  // namespace soak
