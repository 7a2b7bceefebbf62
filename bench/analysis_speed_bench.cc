// Speed of judge_run (Google Benchmark): a 24 h run sampled at 1 s with 10
// series (target < 1 s) and one series of 10 million samples (target < 5 s).
// Blocking is O(n); the O(n^2) estimators only ever see <= ~800 blocks.
//
//   build-*/bench/analysis_speed_bench --benchmark_repetitions=3
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include "analysis/summarize.h"
#include "common/budget.h"

namespace {

soak::SeriesData make(std::string name, size_t n, double dt, double slope_per_s, unsigned seed) {
  soak::SeriesData s{std::move(name), {}, {}};
  s.t.reserve(n);
  s.v.reserve(n);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0, 1);
  double e = 0;
  for (size_t i = 1; i <= n; ++i) {
    double t = static_cast<double>(i) * dt;
    e = 0.9 * e + z(rng);
    s.t.push_back(t);
    s.v.push_back(1e8 + slope_per_s * t + 1e5 * e + 1e6 * std::fmod(t, 60.0) / 60.0);
  }
  return s;
}

void BM_Judge24hTenSeries(benchmark::State& state) {
  soak::RunData d;
  d.run = {{"interval_s", 1.0}};
  const char* names[] = {"rss_bytes", "rss_anon_bytes", "pss_bytes", "threads", "fds",
                         "sockets", "heap_bytes", "goroutines", "go_heap_alloc_bytes", "go_heap_live_bytes"};
  for (unsigned i = 0; i < 10; ++i) d.series.push_back(make(names[i], 86400, 1, i * 10.0, i));
  std::vector<soak::Budget> budgets = {*soak::parse_budget("rss=2MiB/h"), *soak::parse_budget("heap=1MiB/h"),
                                       *soak::parse_budget("rss<=1GiB")};
  for (auto _ : state) benchmark::DoNotOptimize(soak::judge_run(d, budgets, soak::AnalysisOptions{}));
}
BENCHMARK(BM_Judge24hTenSeries)->Unit(benchmark::kMillisecond);

void BM_JudgeTenMillionSamples(benchmark::State& state) {
  soak::RunData d;
  d.run = {{"interval_s", 0.01}};
  d.series.push_back(make("rss_bytes", 10'000'000, 0.01, 100.0, 1));
  std::vector<soak::Budget> budgets = {*soak::parse_budget("rss=2MiB/h")};
  for (auto _ : state) benchmark::DoNotOptimize(soak::judge_run(d, budgets, soak::AnalysisOptions{}));
}
BENCHMARK(BM_JudgeTenMillionSamples)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
