// Time to render every report (report.html with matplotlib plots, junit.xml,
// summary.md, summary.json) for a 2 h and a 24 h run sampled every second
// with 10 series. Targets: < 5 s and < 20 s including plotting.
//
//   ninja -C build report_bench && build/bench/report_bench
#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "common/run_data.h"
#include "common/summary.h"
#include "reports/reports.h"

namespace soak {
namespace {

namespace fs = std::filesystem;

struct Run {
  RunData data;
  Summary summary;
};

Run make_run(int seconds) {
  Run r;
  const char* names[] = {"rss_bytes", "rss_anon_bytes", "heap_bytes", "threads", "fds",
                         "sockets", "cpu_seconds", "requests", "errors", "latency_p99_ms"};
  std::mt19937 rng(42);
  std::normal_distribution<double> noise(0, 1);
  for (const char* n : names) r.data.series.push_back({n, {}, {}});
  for (int i = 0; i < seconds; ++i) {
    double t = i + 0.001;
    double vals[] = {50e6 + 300 * t + 4e6 * std::fmod(t, 60) / 60, 40e6 + 250 * t,
                     30e6 + 200 * t + 1e5 * noise(rng), 12, 20.0 + (i % 301 == 0 ? 1 : 0), 8,
                     t * 0.05, t * 100, std::floor(t / 1000), 8 + std::fabs(noise(rng))};
    for (size_t k = 0; k < 10; ++k) {
      r.data.series[k].t.push_back(t);
      r.data.series[k].v.push_back(vals[k]);
    }
  }
  r.data.sample_lines = static_cast<size_t>(seconds);
  r.data.run = {{"schema", "soak.run/v1"}, {"interval_s", 1.0}};
  r.summary.status = RunStatus::kFail;
  r.summary.exit_code = 1;
  r.summary.duration_s = seconds;
  r.summary.samples = static_cast<size_t>(seconds);
  for (const auto& s : r.data.series) {
    SeriesSummary ss{s.name, "", s.t.size(), s.v.front(), s.v.back(), s.v.front(), s.v.back(),
                     std::nullopt};
    Trend tr;
    tr.warmup_end_s = seconds * 0.1;
    tr.fit_t0_s = tr.warmup_end_s;
    tr.fit_y0 = s.v[static_cast<size_t>(tr.warmup_end_s)];
    tr.slope_per_h = (s.v.back() - tr.fit_y0) / ((seconds - tr.fit_t0_s) / 3600);
    for (double t = tr.warmup_end_s; t < seconds; t += 60) {
      tr.block_t.push_back(t);
      tr.block_v.push_back(s.v[static_cast<size_t>(t)]);
    }
    ss.trend = tr;
    r.summary.series.push_back(ss);
  }
  for (const char* spec : {"rss_bytes", "heap_bytes", "threads", "fds", "sockets"}) {
    BudgetResult b;
    b.spec = std::string(spec) + "=1MiB/h";
    b.series = spec;
    b.kind = "slope";
    b.limit = 1 << 20;
    b.per = "h";
    b.observed = 1e6;
    b.verdict = Verdict::kPass;
    r.summary.budgets.push_back(b);
  }
  return r;
}

void BM_WriteReports(benchmark::State& state) {
  int seconds = static_cast<int>(state.range(0));
  Run run = make_run(seconds);
  fs::path dir = fs::temp_directory_path() / ("soak-report-bench-" + std::to_string(seconds));
  fs::create_directories(dir);
  ReportOptions options;
  options.plot_script = fs::path(SOAK_BENCH_SOURCE_DIR) / "reports" / "plot.py";
  size_t plots = 0;
  for (auto _ : state) {
    auto w = write_reports(dir, run.summary, run.data, options);
    if (!w.ok()) {
      state.SkipWithError(w.message().c_str());
      break;
    }
    if (!w->empty()) state.SkipWithError(w->front().c_str());  // no plots: not what we time
    plots = 0;
    for (auto& e : fs::directory_iterator(dir))
      if (e.path().filename() == "report.html") plots = fs::file_size(e.path());
  }
  state.counters["html_bytes"] = static_cast<double>(plots);
  state.counters["samples"] = seconds * 10.0;
  fs::remove_all(dir);
}

BENCHMARK(BM_WriteReports)
    ->Name("write_reports/2h_1s_10series")
    ->Arg(2 * 3600)
    ->Iterations(1)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_WriteReports)
    ->Name("write_reports/24h_1s_10series")
    ->Arg(24 * 3600)
    ->Iterations(1)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace soak

BENCHMARK_MAIN();
