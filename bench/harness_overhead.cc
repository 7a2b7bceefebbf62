// Harness overhead: runs `soak run` against the native example service and
// samples the harness process itself (not the SUT) once a second from /proc.
// Prints the harness's CPU share of one core and its RSS min/median/max.
// Targets (docs/probes-proc.md): < 0.1 % of a core, flat RSS < 30 MiB.
//
//   harness_overhead [--duration 60s] [--grace 120s] [--soak PATH] [--server PATH]
//
// A plain driver, not a Google Benchmark: the figure is one long
// measurement, not a repeated micro-operation.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/units.h"
#include "probes/proc.h"

namespace fs = std::filesystem;

namespace {

struct Point {
  double t;      // seconds since launch
  double cpu_s;  // utime + stime of the harness process
  double rss;    // VmRSS bytes
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "harness_overhead: %s\n", why.c_str());
  std::fprintf(stderr, "usage: harness_overhead [--duration 60s] [--grace 120s] [--soak PATH] [--server PATH]\n");
  std::exit(2);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  soak::Duration duration = std::chrono::seconds(60);
  fs::path soak = fs::path(SOAK_BENCH_BUILD_DIR) / "soak";
  fs::path server = fs::path(SOAK_BENCH_BUILD_DIR) / "examples/native/leaky_server";
  soak::Duration grace = std::chrono::seconds(120);  // for analysis and reports
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) usage(a + ": missing value");
    std::string v = argv[++i];
    if (a == "--duration") {
      auto d = soak::parse_duration(v);
      if (!d) usage("--duration \"" + v + "\": " + d.message());
      duration = *d;
    } else if (a == "--grace") {
      auto d = soak::parse_duration(v);
      if (!d) usage("--grace \"" + v + "\": " + d.message());
      grace = *d;
    } else if (a == "--soak") {
      soak = v;
    } else if (a == "--server") {
      server = v;
    } else {
      usage("unknown argument \"" + a + "\"");
    }
  }
  for (const auto& p : {soak, server}) {
    if (::access(p.c_str(), X_OK) != 0) usage(p.string() + ": not an executable (build it first)");
  }

  char tmpl[] = "/tmp/soak-overhead-XXXXXX";
  if (!::mkdtemp(tmpl)) usage("cannot create a temporary directory");
  fs::path tmp = tmpl;
  fs::path out = tmp / "run";
  fs::path log = tmp / "soak.log";
  std::string duration_s = std::to_string(static_cast<long>(soak::to_seconds(duration))) + "s";
  std::vector<std::string> args = {soak.string(), "run",        "--duration", duration_s,
                                   "--interval",  "1s",         "--out",      out.string(),
                                   "--",          server.string(), "--port",  "0"};
  std::printf("running:");
  for (const auto& a : args) std::printf(" %s", a.c_str());
  std::printf("\n");
  std::fflush(stdout);

  auto start = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    ::execv(cargs[0], cargs.data());
    ::_exit(127);
  }

  soak::ProcReader reader;
  std::vector<Point> points;
  int status = 0;
  for (int k = 0;; ++k) {
    if (::waitpid(pid, &status, WNOHANG) == pid) break;
    double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (t > soak::to_seconds(duration + grace)) {
      std::printf("soak still running %.0f s after the planned end: killed\n",
                  soak::to_seconds(grace));
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    auto st = reader.stat(pid);
    auto ss = reader.status(pid);
    if (st && *st && ss && *ss && (*st)->state != 'Z') {
      double cpu = static_cast<double>((*st)->utime_ticks + (*st)->stime_ticks) /
                   reader.ticks_per_second();
      points.push_back({t, cpu, (*ss)->rss_bytes});
    }
    std::this_thread::sleep_until(start + std::chrono::seconds(k + 1));
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::printf("soak exited with %d after %.1f s (log: %s)\n", code, wall, log.c_str());
  if (points.size() < 3) {
    std::printf("too few samples of the harness (%zu): did `soak run` start?\n", points.size());
    return 1;
  }
  // The run phase (after the first 5 s of launch and readiness, until the
  // planned duration) is what the targets are about; the end phase
  // (analysis, reports) is reported apart.
  const double run_end = soak::to_seconds(duration);
  auto at = [&](double t) {
    return *std::min_element(points.begin(), points.end(), [t](const Point& a, const Point& b) {
      return std::abs(a.t - t) < std::abs(b.t - t);
    });
  };
  const Point& first = points.front();
  const Point& last = points.back();
  Point steady_from = at(std::min(5.0, run_end / 2));
  Point steady_to = at(run_end);
  std::vector<double> rss;
  for (const auto& p : points) {
    if (p.t >= steady_from.t && p.t <= steady_to.t) rss.push_back(p.rss / (1024.0 * 1024.0));
  }
  std::printf("samples: %zu over %.1f s\n", points.size(), last.t - first.t);
  if (steady_to.t > steady_from.t) {
    std::printf("harness CPU during the run (%.0f-%.0f s): %.3f %% of one core (%.2f s CPU)\n",
                steady_from.t, steady_to.t,
                (steady_to.cpu_s - steady_from.cpu_s) / (steady_to.t - steady_from.t) * 100,
                steady_to.cpu_s - steady_from.cpu_s);
  }
  std::printf("harness CPU after the run (analysis, reports; %.1f s): %.2f s CPU\n",
              last.t - steady_to.t, last.cpu_s - steady_to.cpu_s);
  std::printf("harness CPU whole process life: %.2f s CPU in %.1f s\n", last.cpu_s, wall);
  if (!rss.empty()) {
    std::printf("harness RSS during the run: min %.1f MiB, median %.1f MiB, max %.1f MiB\n",
                *std::min_element(rss.begin(), rss.end()), median(rss),
                *std::max_element(rss.begin(), rss.end()));
  }
  double peak = 0;
  for (const auto& p : points) peak = std::max(peak, p.rss);
  std::printf("harness RSS peak over its life: %.1f MiB\n", peak / (1024.0 * 1024.0));
  std::printf("clock tick: %.0f Hz (CPU resolution %.3f s)\n", reader.ticks_per_second(),
              1 / reader.ticks_per_second());
  // Keep the run directory when soak failed, for a look at its log.
  std::error_code ec;
  if (code == 0 && !std::getenv("SOAK_KEEP_TEST_DIRS")) fs::remove_all(tmp, ec);
  return 0;
}
