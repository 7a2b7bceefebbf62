// Cost of one read of the native heap probe (probes/heap_probe.cc): the
// page reader over RUN_DIR/heap/ (list the directory, pread each 4 KiB page,
// check its process in /proc) and the whole probe sample, for a SUT of 1 and
// of 8 processes, each a real program with libsoakheap.so preloaded. Also
// one dump request answered by a live shim (what warm-up end, end and early
// fail cost the harness, before symbolisation).
//
//   heap_probe_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "probes/heap_probe.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;

fs::path build_dir() { return SOAK_BENCH_BUILD_DIR; }

// `n` sleeping processes with the shim preloaded, publishing their pages in
// a directory of their own; killed on destruction.
class Subjects {
 public:
  explicit Subjects(int n) : dir_(fs::temp_directory_path() / ("heap_probe_bench." + std::to_string(::getpid()) +
                                                               "." + std::to_string(n))) {
    fs::create_directories(dir_);
    std::vector<std::string> env = {"LD_PRELOAD=" + (build_dir() / "libsoakheap.so").string(),
                                    "SOAK_HEAP_DIR=" + dir_.string(), "SOAK_HEAP_SAMPLE_BYTES=524288"};
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    for (int i = 0; i < n; ++i) {
      char sleep_path[] = "/bin/sleep", arg[] = "3600";
      char* argv[] = {sleep_path, arg, nullptr};
      pid_t pid = 0;
      if (::posix_spawn(&pid, "/bin/sleep", nullptr, nullptr, argv, envp.data()) != 0) std::abort();
      pids_.push_back(pid);
    }
    soak::ProcReader proc;
    for (int i = 0; i < 1000; ++i) {
      auto pages = soak::read_heap_pages(dir_, proc);
      if (pages && static_cast<int>(pages->size()) == n) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::fprintf(stderr, "heap_probe_bench: the shim's pages did not appear in %s\n", dir_.c_str());
    std::abort();
  }
  ~Subjects() {
    for (pid_t p : pids_) {
      ::kill(p, SIGKILL);
      ::waitpid(p, nullptr, 0);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  const fs::path& dir() const { return dir_; }
  pid_t first() const { return pids_.front(); }

 private:
  fs::path dir_;
  std::vector<pid_t> pids_;
};

void BM_ReadHeapPages(benchmark::State& state) {
  Subjects s(static_cast<int>(state.range(0)));
  soak::ProcReader proc;
  for (auto _ : state) {
    auto pages = soak::read_heap_pages(s.dir(), proc);
    if (!pages || pages->size() != static_cast<size_t>(state.range(0))) state.SkipWithError("pages missing");
    benchmark::DoNotOptimize(pages);
  }
}
BENCHMARK(BM_ReadHeapPages)->Arg(1)->Arg(8)->Unit(benchmark::kMicrosecond);

void BM_NativeHeapProbeSample(benchmark::State& state) {
  Subjects s(static_cast<int>(state.range(0)));
  auto probe = soak::make_native_heap_probe(s.dir(), std::chrono::seconds(1));
  soak::Target target{s.first()};
  for (auto _ : state) {
    auto r = probe->sample(target);
    if (!r || r->size() != 2) state.SkipWithError("no reading");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_NativeHeapProbeSample)->Arg(1)->Arg(8)->Unit(benchmark::kMicrosecond);

void BM_DumpRequest(benchmark::State& state) {
  Subjects s(1);
  soak::ProcReader proc;
  fs::path prefix = s.dir() / "bench.sites";
  for (auto _ : state) {
    auto files = soak::request_heap_dumps(s.dir(), prefix, std::chrono::seconds(5), proc);
    if (!files || files->size() != 1) state.SkipWithError("no dump");
  }
}
BENCHMARK(BM_DumpRequest)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
