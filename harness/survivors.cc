#include "harness/survivors.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace soak {

namespace {

using SteadyTime = std::chrono::steady_clock;
constexpr auto kScanEvery = std::chrono::milliseconds(200);
constexpr auto kKillFor = std::chrono::seconds(2);
// The watchdog's grace for SIGTERM once soak is gone: 1 s, so that all is
// gone well within 5 s of soak's death.
constexpr auto kWatchdogGrace = std::chrono::seconds(1);
constexpr int kWatchdogFd = 3;

bool dead_state(char state) { return state == 'Z' || state == 'X'; }

}  // namespace

Descendants::Descendants(pid_t root, std::set<pid_t> exclude)
    : root_(root), exclude_(std::move(exclude)), tree_(reader_, std::chrono::milliseconds(100)) {
  if (auto st = reader_.stat(root); st && *st) {
    root_start_ = (*st)->starttime_ticks;
    root_pgrp_ = (*st)->pgrp;
  }
}

bool Descendants::excluded(pid_t pid) const {
  return pid <= 1 || pid == root_ || pid == ::getpid() || exclude_.count(pid) > 0;
}

void Descendants::scan() {
  auto members = tree_.members(root_, SteadyTime::now());
  if (!members) return;  // root gone: keep what we know
  std::map<pid_t, Known> now;
  for (pid_t pid : *members) {
    if (excluded(pid)) continue;
    auto st = reader_.stat(pid);
    if (!st || !*st || dead_state((*st)->state)) continue;
    now[pid] = Known{(*st)->starttime_ticks, (*st)->pgrp};
  }
  known_ = std::move(now);
}

std::vector<pid_t> Descendants::alive_and_related() {
  std::vector<pid_t> out;
  auto stats = reader_.all_stats();
  if (!stats) return out;
  std::set<pid_t> groups;
  for (const auto& [pid, k] : known_)
    if (k.pgrp != root_pgrp_ && k.pgrp > 1) groups.insert(k.pgrp);
  std::set<pid_t> alive;
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [pid, st] : *stats) {
      if (alive.count(pid) || excluded(pid) || dead_state(st.state)) continue;
      auto it = known_.find(pid);
      bool same = it != known_.end() && it->second.start == st.starttime_ticks;
      // Found through its parent (forked after the last scan) or its group
      // (orphaned after the last scan); started after soak, so not a stranger.
      bool related = st.starttime_ticks >= root_start_ &&
                     (alive.count(st.ppid) || (groups.count(st.pgrp) && st.pgrp != root_pgrp_));
      if (!same && !related) continue;
      alive.insert(pid);
      known_[pid] = Known{st.starttime_ticks, st.pgrp};
      grew = true;
    }
  }
  out.assign(alive.begin(), alive.end());
  return out;
}

std::vector<pid_t> Descendants::end_all(Duration grace) {
  reap_orphans();
  std::vector<pid_t> first = alive_and_related();
  if (first.empty()) return first;
  if (grace > Duration::zero()) {
    for (pid_t pid : first) ::kill(pid, SIGTERM);
    auto until = SteadyTime::now() + grace;
    while (SteadyTime::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      reap_orphans();
      if (alive_and_related().empty()) return first;
    }
  }
  auto until = SteadyTime::now() + kKillFor;
  for (;;) {
    auto left = alive_and_related();
    if (left.empty() || SteadyTime::now() >= until) break;
    for (pid_t pid : left) ::kill(pid, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    reap_orphans();
  }
  return first;
}

int watchdog_main(pid_t soak_pid, int pipe_fd) {
  ::prctl(PR_SET_NAME, "soak-watchdog");
  // Only the pipe closing ends the watchdog (or SIGKILL).
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGTERM, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGPIPE, SIG_IGN);
  Descendants tree(soak_pid, {::getpid()});
  for (;;) {
    tree.scan();
    pollfd p{pipe_fd, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(kScanEvery.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (n > 0) {
      char buf[64];
      ssize_t r = ::read(pipe_fd, buf, sizeof buf);
      if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) break;  // soak ended
    }
  }
  tree.end_all(kWatchdogGrace);
  return 0;
}

Result<std::unique_ptr<Watchdog>> Watchdog::start(const std::filesystem::path& exe) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return make_error(std::string("watchdog pipe: ") + std::strerror(errno));
  Fd read_end(p[0]);
  std::unique_ptr<Watchdog> w(new Watchdog());
  w->pipe_ = Fd(p[1]);
  SpawnOptions o;
  o.argv = {exe.string(), "__watchdog", std::to_string(::getpid())};
  o.death_signal = false;
  o.what = "watchdog";
  o.err = Output::to_fd(2);
  int fd = read_end.get();
  o.child_setup = [fd] {
    // The read end as fd 3, inherited (dup2 clears close-on-exec).
    if (fd == kWatchdogFd) return ::fcntl(fd, F_SETFD, 0) == 0 ? 0 : errno;
    return ::dup2(fd, kWatchdogFd) == kWatchdogFd ? 0 : errno;
  };
  auto child = Child::spawn(o);
  if (!child) return child.error();
  w->child_ = std::move(*child);
  return w;
}

void Watchdog::rescan() {
  char c = 's';
  [[maybe_unused]] auto n = ::write(pipe_.get(), &c, 1);
}

Watchdog::~Watchdog() {
  pipe_.reset();  // the watchdog ends what is left, then exits
  if (child_ && !child_->wait_for(std::chrono::seconds(5))) child_->stop(Duration::zero());
}

}  // namespace soak
