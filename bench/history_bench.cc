// The build-history regression gate (docs/history.md) on simulated build
// sequences: false alarms among ordinary builds, and detection of a 4x slope
// within budget. Each build is a synthetic 2-hour run (10 s interval, AR(1)
// noise and a GC sawtooth, analysis/corpus.h) judged by the real analysis
// (judge_run); its slope and SE then go through the same gate `--history`
// uses (judge_regression at the defaults). Prints figures; never gates CI.
//
//   build/bench/history_bench [sequences=1000] [builds=15] [seed=1]
//
// Scenarios (each `sequences` sequences of `builds` ordinary builds, every
// build judged against the ones before it once 5 exist):
//   leaking-1MiB/h  ordinary builds leak 1 MiB/h (+-10 % build to build),
//                   budget 8 MiB/h; the regression is 4 MiB/h
//   flat            ordinary builds do not leak, budget 2 MiB/h; the
//                   regression is 1 MiB/h (within budget; 4x of 0 is 0)
// A false alarm is a regression verdict on an ordinary build; a sequence
// raised one when any of its builds did. Detection: after 8 ordinary builds
// a regressed build is judged against them.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "analysis/corpus.h"
#include "analysis/history.h"
#include "analysis/stats.h"
#include "analysis/summarize.h"
#include "common/budget.h"

using namespace soak;
using namespace soak::analysis;

namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kConfidence = 0.99;

struct Scenario {
  const char* name;
  double slope;       // ordinary builds' slope per hour
  double jitter;      // build-to-build SD of the true slope, share of `slope`
  double regressed;   // the regressed build's slope per hour
  const char* budget;
};

struct Measured {
  double slope = 0, se = 0;
  bool budget_failed = false;
};

Measured run_build(double slope, const Budget& budget, uint64_t seed) {
  CorpusParams p;
  p.duration_s = 7200;
  p.interval_s = 10;
  p.leak_per_h = slope;
  p.sigma = 0.3 * kMiB;
  p.phi = 0.5;
  p.saw_amp = 1.0 * kMiB;
  p.saw_period_s = 90;
  p.warmup_amp = 8 * kMiB;
  p.warmup_tau_s = 300;
  p.seed = seed;
  RunData d;
  d.run = {{"interval_s", p.interval_s}};
  d.series.push_back(generate_series(p));
  AnalysisOptions o;
  o.confidence = kConfidence;
  Judgement j = judge_run(d, {budget}, o);
  const BudgetResult& b = j.budgets[0];
  Measured m;
  m.slope = b.observed.value_or(NAN);
  m.se = regression_se(b, j).value_or(0);  // as `soak run --history` takes it
  m.budget_failed = b.verdict == Verdict::kFail;
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  const int sequences = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int builds = argc > 2 ? std::atoi(argv[2]) : 15;
  const uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  const RegressionOptions opt;
  const Scenario scenarios[] = {
      {"leaking-1MiB/h", 1 * kMiB, 0.10, 4 * kMiB, "rss=8MiB/h"},
      {"flat", 0, 0, 1 * kMiB, "rss=2MiB/h"},
  };
  std::printf("history_bench: %d sequences x %d ordinary builds per scenario, seed %llu; gate: robust z > %.1f, "
              "floor max(%.2f x |median|, %.2f x budget), %d..%d baseline builds\n",
              sequences, builds, static_cast<unsigned long long>(seed), opt.z, opt.rel_floor, opt.limit_floor,
              opt.min_builds, opt.window);
  std::printf("%-16s %10s %22s %22s %18s %14s\n", "scenario", "judged", "false alarms/build", "sequences w/ alarm",
              "detected", "budget fails");
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& sc : scenarios) {
    const Budget budget = *parse_budget(sc.budget);
    std::mt19937_64 rng(seed * 7919 + static_cast<uint64_t>(sc.slope));
    std::normal_distribution<double> jitter(0, 1);
    long judged = 0, alarms = 0, seq_alarms = 0, detected = 0, detect_n = 0, budget_fails = 0;
    std::vector<double> zs, bad_zs;  // robust z of ordinary and of regressed builds
    for (int s = 0; s < sequences; ++s) {
      std::vector<HistoryPoint> history;
      bool any = false;
      for (int b = 0; b < builds; ++b) {
        double truth = sc.slope * (1 + sc.jitter * jitter(rng));
        Measured m = run_build(truth, budget, rng());
        budget_fails += m.budget_failed;
        auto r = judge_regression(history, m.slope, m.se, budget.limit, opt);
        if (r.judged) {
          ++judged;
          zs.push_back(r.z);
          alarms += r.regressed;
          any = any || r.regressed;
        }
        history.push_back({m.slope, m.se, !m.budget_failed && !r.regressed});
        if (b == 7) {  // a regressed build after 8 ordinary ones (not recorded)
          Measured bad = run_build(sc.regressed, budget, rng());
          auto rb = judge_regression(history, bad.slope, bad.se, budget.limit, opt);
          ++detect_n;
          bad_zs.push_back(rb.z);
          detected += rb.regressed;
        }
      }
      seq_alarms += any;
    }
    std::printf("%-16s %10ld %14ld (%5.2f %%) %14ld (%5.2f %%) %8ld (%5.1f %%) %14ld\n", sc.name, judged, alarms,
                judged ? 100.0 * alarms / judged : 0.0, seq_alarms, 100.0 * seq_alarms / sequences, detected,
                detect_n ? 100.0 * detected / detect_n : 0.0, budget_fails);
    std::printf("%-16s robust z of ordinary builds: p99 %.2f, p99.9 %.2f, max %.2f; of regressed builds: p1 %.1f, "
                "median %.1f\n",
                "", quantile(zs, 0.99), quantile(zs, 0.999), zs.empty() ? NAN : *std::max_element(zs.begin(), zs.end()),
                quantile(bad_zs, 0.01), quantile(bad_zs, 0.5));
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("(%.1f s)\n", secs);
  return 0;
}
