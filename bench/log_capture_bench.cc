// Throughput of the SUT's log capture (common/log_capture): 256 MiB of
// 100-byte lines pushed through a pipe into a LogCapture with sut.log's
// default 64 MiB cap, with and without the sut.tail.log tail file (64 KiB,
// replaced at most once a second). Prints bytes/s; run side by side:
//
//   ninja -C build log_capture_bench && \
//     build/bench/log_capture_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/log_capture.h"

namespace soak {
namespace {

namespace fs = std::filesystem;

constexpr size_t kTotal = 256u << 20;
constexpr double kCap = 64.0 * 1024 * 1024;

fs::path scratch() {
  const char* t = std::getenv("TMPDIR");
  fs::path dir = fs::path(t ? t : "/tmp") / ("soak-log-capture-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

void BM_LogCapture(benchmark::State& state) {
  const bool tail_file = state.range(0) != 0;
  fs::path dir = scratch();
  std::string chunk;
  while (chunk.size() < 64 * 1024 - 100) chunk += std::string(99, 'x') + "\n";
  for (auto _ : state) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) state.SkipWithError("pipe");
    LogCapture cap(dir / "sut.log", kCap);
    if (tail_file) cap.keep_tail_file(dir / "sut.tail.log");
    Fd r(p[0]), w(p[1]);
    if (!cap.start(std::move(r), Fd())) state.SkipWithError("start");
    size_t sent = 0;
    while (sent < kTotal) {
      ssize_t n = ::write(w.get(), chunk.data(), chunk.size());
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    w.reset();
    cap.stop(std::chrono::seconds(30));  // until EOF: everything read
    if (cap.write_error()) state.SkipWithError(cap.write_error()->c_str());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(kTotal));
  std::error_code ec;
  fs::remove_all(dir, ec);
}
BENCHMARK(BM_LogCapture)->ArgName("tail_file")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace soak

BENCHMARK_MAIN();
