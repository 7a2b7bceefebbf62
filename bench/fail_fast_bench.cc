// --fail-fast as the run loop does it (harness/early_looks.h): the looks of
// plan_looks() after warm-up, each judged with look_options() and stopping
// the run only when early_fail_stops() allows it, and the end
// of the run as the last look of the alpha-spending plan at what the early
// looks left. On synthetic series with warm-up shapes (DETECTION.md 6), for
// an auto and a fixed warm-up, it prints per shape: runs stopped early, runs
// failed at the final look, the total (early + final: the run's false-alarm
// rate on healthy shapes, which must stay <= alpha), what the old scheme
// (final judgement at the full alpha) would have given, and for leaks the
// median share of the run at the stop. Prints; never gates CI.
//
//   build-*/bench/fail_fast_bench [cases_per_shape=200] [seed=1]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "analysis/corpus.h"
#include "analysis/summarize.h"
#include "common/budget.h"
#include "harness/early_looks.h"

using namespace soak;
using namespace soak::analysis;
using namespace std::chrono_literals;

namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kBudget = 2 * kMiB;  // per hour
constexpr double kDuration = 3600;    // 1 h at 5 s: K = 20 looks under auto
constexpr double kInterval = 5;

struct Shape {
  std::string name;
  bool healthy;
  CorpusParams params;  // seed set per case
};

std::vector<Shape> shapes() {
  CorpusParams base;
  base.duration_s = kDuration;
  base.interval_s = kInterval;
  base.sigma = 1 * kMiB;
  base.phi = 0.5;
  auto with = [&](auto f) {
    CorpusParams p = base;
    f(p);
    return p;
  };
  return {
      {"flat", true, base},
      // Its slope 100 MiB/tau * exp(-t/tau) is under the budget after 6.9 tau:
      // 7 min here, about the auto floor (6 min) ...
      {"cache warm-up (100 MiB, tau 1 min), flat", true, with([](CorpusParams& p) {
         p.warmup_amp = 100 * kMiB;
         p.warmup_tau_s = 60;
       })},
      // ... and 21 min here: the warm-up is still growing at 5-30x the budget
      // when the looks begin (past the auto floor and a fixed 10 min).
      {"slow cache warm-up (100 MiB, tau 3 min), flat", true, with([](CorpusParams& p) {
         p.warmup_amp = 100 * kMiB;
         p.warmup_tau_s = 180;
       })},
      {"GC sawtooth (20 MiB, 60 s)", true, with([](CorpusParams& p) {
         p.saw_amp = 20 * kMiB;
         p.phi = 0;
       })},
      {"leak 0.5x budget", true, with([](CorpusParams& p) { p.leak_per_h = 0.5 * kBudget; })},
      {"cache warm-up (tau 1 min), then leak 5x", false, with([](CorpusParams& p) {
         p.warmup_amp = 100 * kMiB;
         p.warmup_tau_s = 60;
         p.leak_per_h = 5 * kBudget;
       })},
      {"leak 5x", false, with([](CorpusParams& p) { p.leak_per_h = 5 * kBudget; })},
      {"leak 20x", false, with([](CorpusParams& p) { p.leak_per_h = 20 * kBudget; })},
      {"late onset at 60 %, 20x", false, with([](CorpusParams& p) {
         p.leak_shape = LeakShape::kLateOnset;
         p.onset_share = 0.6;
         p.leak_per_h = 20 * kBudget;
       })},
  };
}

SeriesData until(const SeriesData& s, double end) {
  SeriesData part{s.name, {}, {}};
  for (size_t i = 0; i < s.t.size() && s.t[i] <= end; ++i) {
    part.t.push_back(s.t[i]);
    part.v.push_back(s.v[i]);
  }
  return part;
}

RunData run_of(const SeriesData& s) {
  RunData d;
  d.run = {{"interval_s", kInterval}};
  d.series.push_back(s);
  return d;
}

Verdict judge(const SeriesData& s, const Budget& b, const AnalysisOptions& o) {
  return judge_run(run_of(s), {b}, o).budgets[0].verdict;
}

struct Tally {
  int n = 0, early = 0, final_fail = 0, old_final_fail = 0;
  std::vector<double> stop_share;
};

double pct(int a, int n) { return n ? 100.0 * a / n : 0.0; }

double median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int per_shape = argc > 1 ? std::atoi(argv[1]) : 200;
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
  const double conf = 0.99;
  const Budget budget = *parse_budget("rss=2MiB/h");
  const std::vector<std::pair<std::string, std::optional<Duration>>> warmups = {{"auto", std::nullopt},
                                                                                {"fixed 10 min", 10min}};
  auto t0 = std::chrono::steady_clock::now();
  std::printf("fail-fast: 1 h runs at 5 s, budget 2 MiB/h, confidence %.2f, %d runs per shape, seed %llu\n", conf,
              per_shape, static_cast<unsigned long long>(seed));
  for (const auto& [wname, warmup] : warmups) {
    const LookPlan plan = plan_looks(from_seconds(kDuration), warmup);
    double early_alpha = 0;
    for (int k = 1; k < plan.planned; ++k) early_alpha += 1 - look_options(plan, k, conf, warmup, 0, 0, 1).confidence;
    std::printf("\nwarm-up %s: %d looks (the end included), first at %.0f s, every %.0f s; the early looks spend "
                "%.5f, the final look %.5f (was %.2f)\n",
                wname.c_str(), plan.planned, plan.at_s(1), plan.every_s, early_alpha, (1 - conf) - early_alpha,
                1 - conf);
    std::printf("| shape | n | stopped early %% | failed at the final look %% | total fail %% | old: final at full alpha, total %% | median share of run at stop |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
    int healthy_n = 0, healthy_fail = 0, healthy_old = 0;
    for (const auto& shape : shapes()) {
      Tally t;
      for (int i = 0; i < per_shape; ++i) {
        CorpusParams p = shape.params;
        p.seed = seed * 1000003 + static_cast<uint64_t>(i);
        const SeriesData full = generate_series(p);
        ++t.n;
        double spent = 0;
        bool stopped = false;
        for (int k = 1; k < plan.planned && !stopped; ++k) {
          const double now = plan.at_s(k);  // ready at 0: launch and ready coincide here
          AnalysisOptions o = look_options(plan, k, conf, warmup, 0.0, kInterval, now);
          spent += 1 - o.confidence;
          // As the run loop (harness/run.cc): a failed look stops the run
          // only when early_fail_stops allows it (15 min of post-warm-up data
          // for a memory series, a resolved sawtooth, growth not slowing).
          const RunData d = run_of(until(full, now));
          const Judgement j = judge_run(d, {budget}, o);
          if (j.budgets[0].verdict == Verdict::kFail && early_fail_stops(d, j, j.budgets[0], now)) {
            if (std::getenv("SOAK_BENCH_DUMP") && shape.healthy)
              std::printf("FFDUMP %s look %d at %.0f s: %s\n", shape.name.c_str(), k, now, j.budgets[0].reason.c_str());
            stopped = true;
            ++t.early;
            t.stop_share.push_back(now / kDuration);
          }
        }
        if (stopped) continue;
        // The last look: the final judgement, as `soak run` and `soak check`
        // do it (final_look_fail_alpha of the early_look events).
        AnalysisOptions o;
        o.confidence = conf;
        o.fail_alpha = alpha_left(conf, spent);  // what the early looks left (passes keep 1 - conf)
        o.end_s = kDuration;
        if (warmup) o.warmup_s = to_seconds(*warmup);
        if (judge(full, budget, o) == Verdict::kFail) {
          ++t.final_fail;
          t.stop_share.push_back(1.0);
        }
        o.fail_alpha.reset();  // the old scheme: the final judgement spent alpha again
        if (judge(full, budget, o) == Verdict::kFail) ++t.old_final_fail;
      }
      if (shape.healthy) {
        healthy_n += t.n;
        healthy_fail += t.early + t.final_fail;
        healthy_old += t.early + t.old_final_fail;
      }
      double m = median(t.stop_share);
      std::printf("| %s%s | %d | %.1f | %.1f | %.1f | %.1f | %s |\n", shape.name.c_str(),
                  shape.healthy ? " (healthy)" : "", t.n, pct(t.early, t.n), pct(t.final_fail, t.n),
                  pct(t.early + t.final_fail, t.n), pct(t.early + t.old_final_fail, t.n),
                  m < 0 ? "-" : std::to_string(m).substr(0, 4).c_str());
    }
    std::printf("healthy runs failed (early or final): %d / %d = %.2f %% (alpha 1 %%); old scheme: %d / %d = %.2f %%\n",
                healthy_fail, healthy_n, pct(healthy_fail, healthy_n), healthy_old, healthy_n,
                pct(healthy_old, healthy_n));
  }
  std::printf("\n(%.1f s)\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return 0;
}
