// Cost of one sample of the /proc probes on a live process: the "proc" probe
// (stat + status + fd listing with readlink, over the process tree) and the
// "pss" probe (smaps_rollup), for a process with 10 fds and a few threads and
// for one with 1,000 fds. Also the cost of the full /proc scan that finds
// descendants on kernels without task/*/children files.
//
//   proc_probe_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <thread>

#include <benchmark/benchmark.h>

#include "probes/proc.h"
#include "probes/proc_probe.h"

namespace {

// A child with exactly `fds` open fds (0-2 plus files and some sockets) and
// four threads in total, killed on destruction.
class Subject {
 public:
  explicit Subject(int fds) {
    int ready[2];
    if (::pipe(ready) != 0) std::abort();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      int w = ::dup2(ready[1], 3);
      ::close_range(4, ~0U, 0);
      int open_fds = 4;
      for (int i = 0; open_fds < fds; ++i, ++open_fds) {
        if (i % 10 == 0) ::socket(AF_UNIX, SOCK_STREAM, 0);
        else ::open("/dev/null", O_RDONLY);
      }
      for (int i = 0; i < 3; ++i) std::thread([] { ::pause(); }).detach();
      char c = 1;
      (void)!::write(w, &c, 1);
      ::close(w);  // one fd less than asked: reopen it
      ::open("/dev/null", O_RDONLY);
      for (;;) ::pause();
    }
    ::close(ready[1]);
    char c;
    (void)!::read(ready[0], &c, 1);
    ::close(ready[0]);
    ::usleep(20000);  // let the child reopen its last fd
  }
  ~Subject() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

void BM_ProcProbeSample(benchmark::State& state) {
  Subject subject(static_cast<int>(state.range(0)));
  auto probes = soak::make_proc_probes(soak::ProbeOptions{});
  soak::Target target{subject.pid()};
  double fds = 0;
  for (auto _ : state) {
    auto r = probes[0]->sample(target);
    if (!r) {
      state.SkipWithError(r.message().c_str());
      break;
    }
    for (const auto& reading : *r) {
      if (reading.series == "fds") fds = reading.value;
    }
    benchmark::DoNotOptimize(r);
  }
  state.counters["fds"] = fds;
}
BENCHMARK(BM_ProcProbeSample)->Arg(10)->Arg(1000)->Unit(benchmark::kMicrosecond);

void BM_PssProbeSample(benchmark::State& state) {
  Subject subject(static_cast<int>(state.range(0)));
  auto probes = soak::make_proc_probes(soak::ProbeOptions{});
  soak::Target target{subject.pid()};
  for (auto _ : state) {
    auto r = probes[1]->sample(target);
    if (!r) {
      state.SkipWithError(r.message().c_str());
      break;
    }
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_PssProbeSample)->Arg(10)->Arg(1000)->Unit(benchmark::kMicrosecond);

// The parts of one sample, to see where the time goes.
void BM_ReadStat(benchmark::State& state) {
  Subject subject(10);
  soak::ProcReader reader;
  for (auto _ : state) benchmark::DoNotOptimize(reader.stat(subject.pid()));
}
BENCHMARK(BM_ReadStat)->Unit(benchmark::kMicrosecond);

void BM_ReadStatus(benchmark::State& state) {
  Subject subject(10);
  soak::ProcReader reader;
  for (auto _ : state) benchmark::DoNotOptimize(reader.status(subject.pid()));
}
BENCHMARK(BM_ReadStatus)->Unit(benchmark::kMicrosecond);

void BM_ReadFds(benchmark::State& state) {
  Subject subject(static_cast<int>(state.range(0)));
  soak::ProcReader reader;
  bool sockets = state.range(1) != 0;
  for (auto _ : state) benchmark::DoNotOptimize(reader.fds(subject.pid(), sockets));
}
BENCHMARK(BM_ReadFds)->Args({10, 1})->Args({10, 0})->Args({1000, 1})->Args({1000, 0})
    ->ArgNames({"fds", "sockets"})->Unit(benchmark::kMicrosecond);

// Finding descendants without children files: stat of every process.
void BM_ScanAllProcesses(benchmark::State& state) {
  soak::ProcReader reader;
  size_t n = 0;
  for (auto _ : state) {
    auto all = reader.all_stats();
    if (all) n = all->size();
    benchmark::DoNotOptimize(all);
  }
  state.counters["processes"] = static_cast<double>(n);
}
BENCHMARK(BM_ScanAllProcesses)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
