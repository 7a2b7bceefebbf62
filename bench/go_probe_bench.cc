// Cost of soak's Go probes against the running Go example, and the SUT's
// throughput with and without the probes at their default intervals.
//
//   build-*/go_probe_bench [--benchmark_filter=...] [--cost_samples=300] [--forced_gc_samples=30]
//                          [--throughput_s=5] [--rounds=3]
//
// Per-sample costs come from Google Benchmark (wall time of one GET + parse,
// i.e. the sampler thread's cost). The SUT's side is measured as the CPU time
// the SUT spends serving the probes (its utime+stime from /proc, less its idle
// rate), per sample; at the default intervals that gives a bound on the
// throughput soak can take from it: a stop-the-world pause idles the other
// cores for at most the CPU time of the thread that stopped them, so the
// capacity lost is at most cpu_per_sample / interval of the whole machine,
// whatever the core count. The throughput comparison drives /work with wrk in
// pairs of rounds without and with probes (order alternating) and prints the
// median of the per-pair ratios: on a shared machine it cannot resolve 1 %.
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "probes/expvar.h"
#include "probes/gctrace.h"
#include "probes/go_probe.h"
#include "net/http_client.h"
#include "probes/pprof.h"
#include "probes/proc.h"
#include "probes/prometheus.h"
#include "probes/prometheus_probe.h"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using soak::Duration;

// The example service on a fixed-range port, stopped on destruction.
class Example {
 public:
  Example(const std::string& mode, bool gctrace) {
    port_ = 18700 + (getpid() % 200);
    std::string bin = std::string(SOAK_BENCH_BUILD_DIR) + "/examples/go/soak-go-example";
    std::vector<std::string> args = {bin, "--addr", "127.0.0.1:" + std::to_string(port_), "--mode", mode};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e)
      if (std::strncmp(*e, "GODEBUG=", 8) != 0) env_s.emplace_back(*e);
    if (gctrace) env_s.emplace_back("GODEBUG=gctrace=1");
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid_, bin.c_str(), &fa, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    for (int i = 0; i < 100; ++i) {
      auto r = soak::http_get(base() + "/healthz", 1s);
      if (r && r->status == 200) return;
      std::this_thread::sleep_for(50ms);
    }
    std::fprintf(stderr, "example did not start: %s\n", bin.c_str());
  }
  ~Example() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return pid_; }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
};

Example* g_example = nullptr;

void BM_GoroutineProfile(benchmark::State& state) {
  auto url = *soak::parse_url(g_example->base() + "/debug/pprof/goroutine?debug=1");
  for (auto _ : state) {
    auto r = soak::http_get(url, 5s);
    auto p = soak::parse_goroutine_profile(r->body);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_GoroutineProfile)->Unit(benchmark::kMicrosecond);

void BM_Expvar(benchmark::State& state) {
  auto url = *soak::parse_url(g_example->base() + "/debug/vars");
  for (auto _ : state) {
    auto r = soak::http_get(url, 5s);
    auto d = soak::parse_expvar(r->body);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_Expvar)->Unit(benchmark::kMicrosecond);

void BM_HeapFooter(benchmark::State& state) {
  auto url = *soak::parse_url(g_example->base() + "/debug/pprof/heap?debug=1");
  for (auto _ : state) {
    auto r = soak::http_get(url, 5s);
    auto p = soak::parse_heap_profile(r->body);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_HeapFooter)->Unit(benchmark::kMicrosecond);

void BM_MetricsScrape(benchmark::State& state) {
  soak::MetricsProbe probe(*soak::parse_url(g_example->base() + "/metrics"), 1s, {});
  for (auto _ : state) {
    auto r = probe.sample(soak::Target{});
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_MetricsScrape)->Unit(benchmark::kMicrosecond);

void BM_GoProbeSample(benchmark::State& state) {
  soak::GoProbe probe(*soak::parse_url(g_example->base()), 1s, /*duty_factor=*/0);
  for (auto _ : state) {
    auto r = probe.sample(soak::Target{});
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_GoProbeSample)->Unit(benchmark::kMicrosecond);

void BM_GctraceLineParse(benchmark::State& state) {
  const std::string line =
      "gc 2 @0.380s 18%: 0.040+111+0.004 ms clock, 0.32+0/221/663+0.034 ms cpu, "
      "1525->1525->1525 MB, 3052 MB goal, 0 MB stacks, 0 MB globals, 8 P (forced)";
  for (auto _ : state) benchmark::DoNotOptimize(soak::parse_gctrace_line(line));
}
BENCHMARK(BM_GctraceLineParse);

void BM_GctraceNonMatchingLine(benchmark::State& state) {
  const std::string line = "2026/11/28 05:00:00 GET /api 200 1.2ms user=42 request handled";
  for (auto _ : state) benchmark::DoNotOptimize(soak::parse_gctrace_line(line));
}
BENCHMARK(BM_GctraceNonMatchingLine);

// CPU seconds the process has used (utime + stime of /proc/PID/stat).
double process_cpu_s(pid_t pid) {
  static soak::ProcReader reader;
  auto st = reader.stat(pid);
  if (!st || !*st) return 0;
  return static_cast<double>((*st)->utime_ticks + (*st)->stime_ticks) / reader.ticks_per_second();
}

double median(std::vector<double> v);

// SUT CPU per call of `sample`, less what the SUT burns idle over the same
// time: 5 batches of `n` back-to-back calls, each after a 1 s idle window
// that measures the idle rate; the median batch.
double sut_cpu_per_sample_s(pid_t pid, int n, const std::function<void()>& sample) {
  std::vector<double> per;
  for (int b = 0; b < 5; ++b) {
    double c0 = process_cpu_s(pid);
    auto t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(1s);
    double idle_rate = (process_cpu_s(pid) - c0) /
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double c1 = process_cpu_s(pid);
    auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) sample();
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    per.push_back(std::max(0.0, process_cpu_s(pid) - c1 - idle_rate * wall) / n);
  }
  return median(per);
}

// What the probes cost the SUT at their default intervals.
void sut_cost_table(const Example& ex, int n) {
  soak::GoProbe go(*soak::parse_url(ex.base()), soak::GoProbe::default_interval(1s), /*duty_factor=*/0);
  soak::MetricsProbe metrics(*soak::parse_url(ex.base() + "/metrics"), 1s, {});
  double go_s = sut_cpu_per_sample_s(ex.pid(), n, [&] { (void)go.sample(soak::Target{}); });
  double m_s = sut_cpu_per_sample_s(ex.pid(), n, [&] { (void)metrics.sample(soak::Target{}); });
  double go_i = soak::to_seconds(go.interval()), m_i = soak::to_seconds(metrics.interval());
  std::printf("\nSUT CPU spent serving the probes (goroutine mode, ~200 goroutines; median of 5 batches of %d;\n"
              "utime+stime from /proc less the idle rate):\n", n);
  std::printf("  go probe (goroutine profile + expvar): %8.1f us per sample, every %.0f s -> %.3f %% of one core\n",
              go_s * 1e6, go_i, go_s / go_i * 100);
  std::printf("  metrics scrape:                        %8.1f us per sample, every %.0f s -> %.3f %% of one core\n",
              m_s * 1e6, m_i, m_s / m_i * 100);
  std::printf("  bound on the SUT's throughput lost to probes (CPU + stop-the-world, any core count): %.3f %%\n",
              (go_s / go_i + m_s / m_i) * 100);
}

// What a forced-GC live-heap reading (heap profile with gc=1) costs the SUT,
// against a plain sample, on the example's `cache` mode with `mib` MiB live.
void forced_gc_cost_table(int n, int mib) {
  Example ex("cache", false);
  // Each /work retains 16 KiB (and drops 64 KiB of garbage).
  for (int i = 0; i < mib * 64; ++i) (void)soak::http_get(ex.base() + "/work", 2s);
  auto url = *soak::parse_url(ex.base());
  soak::GoProbe plain(url, 1s, /*duty_factor=*/0);
  soak::GoProbe forced(url, 1s, /*duty_factor=*/0, /*live_heap_every=*/1ns);
  double live = 0, wall_ms = 0;
  double plain_s = sut_cpu_per_sample_s(ex.pid(), n, [&] { (void)plain.sample(soak::Target{}); });
  double forced_s = sut_cpu_per_sample_s(ex.pid(), n, [&] {
    auto r = forced.sample(soak::Target{});
    if (!r) return;
    for (const auto& x : *r) {
      if (x.series == "go_heap_live_bytes") live = x.value;
      if (x.series == "probe_go_latency_ms") wall_ms = x.value;
    }
  });
  const double extra = std::max(0.0, forced_s - plain_s);
  std::printf("\nForced-GC live-heap reading (cache mode, live heap %.1f MiB; median of 5 batches of %d):\n",
              live / 1048576, n);
  std::printf("  plain sample (goroutines + expvar):          %8.1f us SUT CPU\n", plain_s * 1e6);
  std::printf("  forced sample (goroutines + heap?gc=1):      %8.1f us SUT CPU, %.1f ms wall (last)\n", forced_s * 1e6,
              wall_ms);
  for (auto [run, every] : {std::pair{Duration(60s), soak::GoProbe::default_live_heap_every(1s, 60s)},
                            std::pair{Duration(2h), soak::GoProbe::default_live_heap_every(5s, 2h)}})
    std::printf("  default spacing for a %s run: every %.0f s -> +%.3f %% of one core\n",
                run == 60s ? "60 s" : "2 h", soak::to_seconds(every), extra / soak::to_seconds(every) * 100);
}

// Requests per second from one wrk run; 0 when wrk is missing or fails.
double wrk_rps(const std::string& url, int seconds) {
  std::string cmd = "wrk -t1 -c8 -d" + std::to_string(seconds) + "s " + url + " 2>/dev/null";
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return 0;
  char line[512];
  double rps = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "Requests/sec: %lf", &rps) == 1) break;
  pclose(f);
  return rps;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Throughput of the SUT (mode "sawtooth": allocation-heavy, so GC and
// stop-the-world matter) without soak, and with the go probe at its default
// interval, gctrace on and the metrics probe at 1 s.
void throughput_comparison(int seconds, int rounds) {
  std::vector<double> without, with, ratios;
  auto run_without = [&] {
    Example ex("sawtooth", false);
    without.push_back(wrk_rps(ex.base() + "/work", seconds));
  };
  auto run_with = [&] {
    {
      Example ex("sawtooth", true);
      std::atomic<bool> stop{false};
      std::thread sampler([&] {
        soak::GoProbe go(*soak::parse_url(ex.base()), soak::GoProbe::default_interval(1s));
        soak::MetricsProbe metrics(*soak::parse_url(ex.base() + "/metrics"), 1s, {});
        auto next_go = std::chrono::steady_clock::now(), next_m = next_go;
        while (!stop) {
          auto now = std::chrono::steady_clock::now();
          if (now >= next_go) {
            (void)go.sample(soak::Target{});
            next_go += go.interval();
          }
          if (now >= next_m) {
            (void)metrics.sample(soak::Target{});
            next_m += metrics.interval();
          }
          std::this_thread::sleep_for(10ms);
        }
      });
      with.push_back(wrk_rps(ex.base() + "/work", seconds));
      stop = true;
      sampler.join();
    }
  };
  for (int r = 0; r < rounds; ++r) {
    // Pairs in alternating order, so a drift of the machine's load does not
    // favour one side.
    if (r % 2 == 0) run_without(), run_with();
    else run_with(), run_without();
    if (without.back() > 0) ratios.push_back(with.back() / without.back());
  }
  double a = median(without), b = median(with);
  std::printf("\nSUT throughput (sawtooth mode, wrk -t1 -c8, %d pairs of %d s, medians):\n", rounds, seconds);
  std::printf("  without soak probes:                      %10.0f req/s\n", a);
  std::printf("  with go (%.0f s) + gctrace + metrics (1 s): %10.0f req/s\n",
              soak::to_seconds(soak::GoProbe::default_interval(1s)), b);
  if (a > 0) std::printf("  difference of the medians:                %+9.2f %%\n", (b - a) / a * 100);
  if (!ratios.empty()) {
    auto [lo, hi] = std::minmax_element(ratios.begin(), ratios.end());
    std::printf("  median per-pair ratio with/without:       %+9.2f %% (pairs from %+.2f %% to %+.2f %%)\n",
                (median(ratios) - 1) * 100, (*lo - 1) * 100, (*hi - 1) * 100);
  }
  std::printf("  (shared 2-core machine: differences under the round-to-round spread are noise)\n");
  std::printf("  rounds without:");
  for (double x : without) std::printf(" %.0f", x);
  std::printf("\n  rounds with:   ");
  for (double x : with) std::printf(" %.0f", x);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 5, rounds = 3, cost_samples = 300, forced_gc_samples = 30;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--throughput_s=", 0) == 0) seconds = std::stoi(a.substr(15));
    else if (a.rfind("--rounds=", 0) == 0) rounds = std::stoi(a.substr(9));
    else if (a.rfind("--cost_samples=", 0) == 0) cost_samples = std::stoi(a.substr(15));
    else if (a.rfind("--forced_gc_samples=", 0) == 0) forced_gc_samples = std::stoi(a.substr(20));
    else rest.push_back(argv[i]);
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  {
    // A SUT with some state: 200 leaked goroutines and a filled cache.
    Example ex("goroutine", true);
    g_example = &ex;
    for (int i = 0; i < 200; ++i) (void)soak::http_get(ex.base() + "/work", 2s);
    benchmark::RunSpecifiedBenchmarks();
    if (cost_samples > 0) sut_cost_table(ex, cost_samples);
    g_example = nullptr;
  }
  if (forced_gc_samples > 0)
    for (int mib : {4, 64}) forced_gc_cost_table(forced_gc_samples, mib);
  if (rounds > 0) throughput_comparison(seconds, rounds);
  benchmark::Shutdown();
  return 0;
}
