// soak fleet: what its pure parts cost, and how often a healthy fleet fails.
//
//   build/bench/fleet_bench --benchmark_min_time=0.2
//
// BM_ParseMatrix: one query_range answer of 10 series x 11,000 points (one
//   full chunk), parsed.
// BM_JudgeFleet/N: N instances x 5 series x 2,000 points (the default step
//   is window/2000) judged, outliers included.
// BM_HealthyFleetFalseAlarm/N/PHI: rounds of N healthy instances (flat
//   series with AR(1) noise of lag-1 correlation PHI/100, RSS sd 1 MB,
//   budgets rss=1MiB/h, goroutines=0/h, fds=0/h): counter fleet_fail_rate is the
//   share of rounds in which some instance failed, instance_fail_rate the
//   share of instances; outlier_rate the share of rounds with an outlier.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include <fmt/format.h>

#include "harness/fleet.h"

namespace soak {
namespace {

std::string matrix_json(size_t series, size_t points) {
  std::string s = R"({"status":"success","data":{"resultType":"matrix","result":[)";
  for (size_t i = 0; i < series; ++i) {
    s += fmt::format(R"({}{{"metric":{{"__name__":"go_goroutines","instance":"10.0.0.{}:8080","job":"api"}},"values":[)",
                     i ? "," : "", i);
    for (size_t p = 0; p < points; ++p) s += fmt::format(R"({}[{:.3f},"{}"])", p ? "," : "", 1.7e9 + p * 15.0, 100 + p % 7);
    s += "]}";
  }
  return s + "]}}";
}

void BM_ParseMatrix(benchmark::State& state) {
  std::string body = matrix_json(10, 11000);
  for (auto _ : state) {
    auto m = parse_prom_matrix(body);
    benchmark::DoNotOptimize(m);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseMatrix)->Unit(benchmark::kMillisecond);

// N instances of 5 flat series, `points` each at 1 s, with AR(1) noise of
// lag-1 correlation `phi` (0: white) and the given marginal sd.
std::vector<FleetInstanceData> fleet(size_t n, size_t points, std::mt19937_64& rng, double phi = 0) {
  std::normal_distribution<double> noise(0, 1);
  std::vector<FleetInstanceData> out;
  for (size_t i = 0; i < n; ++i) {
    FleetInstanceData inst;
    inst.name = fmt::format("10.0.0.{}:8080", i);
    inst.data.run = {{"interval_s", 1.0}};
    for (auto [name, level, sd] : {std::tuple{"rss_bytes", 50e6, 1e6}, {"go_heap_alloc_bytes", 20e6, 2e6},
                                   {"goroutines", 40.0, 0.0}, {"fds", 12.0, 0.0}, {"threads", 9.0, 0.0}}) {
      SeriesData s{name, {}, {}};
      double e = noise(rng);
      for (size_t p = 0; p < points; ++p) {
        e = phi * e + std::sqrt(1 - phi * phi) * noise(rng);
        s.t.push_back(static_cast<double>(p));
        s.v.push_back(level + sd * e);
      }
      inst.data.series.push_back(std::move(s));
    }
    inst.data.sample_lines = points;
    out.push_back(std::move(inst));
  }
  return out;
}

FleetConfig config() {
  FleetConfig c;
  for (auto spec : {"rss=1MiB/h", "goroutines=0/h", "fds=0/h"}) c.budgets.push_back(*parse_budget(spec));
  return c;
}

FleetSource source(size_t points) {
  FleetSource s;
  s.end_unix = static_cast<double>(points - 1);
  s.step_s = 1;
  return s;
}

void BM_JudgeFleet(benchmark::State& state) {
  std::mt19937_64 rng(1);
  auto n = static_cast<size_t>(state.range(0));
  auto data = fleet(n, 2000, rng);
  for (auto _ : state) {
    auto s = judge_fleet(data, config(), source(2000), {});
    benchmark::DoNotOptimize(s);
  }
}
// CPU time / N is the cost per instance.
BENCHMARK(BM_JudgeFleet)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);

void BM_HealthyFleetFalseAlarm(benchmark::State& state) {
  std::mt19937_64 rng(7);
  auto n = static_cast<size_t>(state.range(0));
  size_t rounds = 0, fleet_fails = 0, instance_fails = 0, with_outlier = 0;
  for (auto _ : state) {
    auto s = judge_fleet(fleet(n, 2000, rng, static_cast<double>(state.range(1)) / 100), config(), source(2000), {});
    ++rounds;
    fleet_fails += s.fleet.exit_code == 1;
    for (const auto& i : s.instances) instance_fails += i.summary.exit_code == 1;
    with_outlier += !s.outliers.empty();
  }
  state.counters["fleet_fail_rate"] = static_cast<double>(fleet_fails) / static_cast<double>(rounds);
  state.counters["instance_fail_rate"] =
      static_cast<double>(instance_fails) / static_cast<double>(rounds * n);
  state.counters["outlier_rate"] = static_cast<double>(with_outlier) / static_cast<double>(rounds);
  state.counters["rounds"] = static_cast<double>(rounds);
}
// Args: instances, lag-1 correlation of the noise x 100.
BENCHMARK(BM_HealthyFleetFalseAlarm)->Args({20, 0})->Args({20, 90})->Iterations(200)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace soak

BENCHMARK_MAIN();
