// Detector quality on the synthetic corpus (DETECTION.md 6, 7): detection
// rate by leak/budget ratio, false alarms per healthy shape (truth on the
// final regime) for one budget and family-wise for a run of 6 budgets,
// detection of >= 5x leaks in a final regime covering >= 1/3 of the run,
// the inconclusive share, CI coverage, slope bias, the 0.9B-1.1B band, and
// time to detect under --fail-fast (simulated looks). Prints tables; never
// gates CI.
//
//   build-*/detector_bench [cases=4000] [early_cases=400] [seed=1]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "analysis/corpus.h"
#include "analysis/early.h"
#include "analysis/summarize.h"
#include "common/budget.h"

using namespace soak;
using namespace soak::analysis;

namespace {
constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kBudget = 2 * kMiB;

struct Tally {
  int n = 0, fail = 0, pass = 0, inc = 0;
  int mds_ok = 0, mds_ok_fail = 0;  // cases whose MDS < 5B, and their fails
  int covered = 0, cov_n = 0;
  std::vector<double> rel_err;
  void add(const BudgetResult& b) {
    ++n;
    if (b.verdict == Verdict::kFail) ++fail;
    else if (b.verdict == Verdict::kPass) ++pass;
    else ++inc;
  }
};

double pct(int a, int n) { return n ? 100.0 * a / n : 0.0; }

double med(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

std::string ratio_name(double r) {
  char b[32];
  std::snprintf(b, sizeof b, "%gB", r);
  return b;
}
}  // namespace

int main(int argc, char** argv) {
  size_t cases = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 4000;
  size_t early_cases = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 400;
  uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  const Budget budget = *parse_budget("rss=2MiB/h");
  const double conf = 0.99;
  auto corpus = make_corpus(cases, kBudget, seed);
  auto t0 = std::chrono::steady_clock::now();

  std::map<double, Tally> by_ratio;          // linear leaks only
  std::map<std::string, Tally> by_shape;     // every shape
  Tally healthy, healthy6, leaks, band, coverage_all;
  std::map<std::string, Tally> healthy_by_shape, healthy6_by_shape, strong_by_shape;
  std::map<double, Tally> by_phi_healthy;
  // A run with 6 slope budgets and nothing failing judges each at alpha / 6
  // (Holm's first step): its family-wise false-alarm rate is
  // 1 - (1 - p6)^6 <= 6 p6, with p6 the rate of one healthy series at alpha / 6.
  const int kFamily = 6;
  for (const auto& c : corpus) {
    RunData d;
    d.run = {{"interval_s", c.params.interval_s}};
    d.series.push_back(generate_series(c.params));
    AnalysisOptions o;
    o.confidence = conf;
    Judgement j = judge_run(d, {budget}, o);
    const BudgetResult& b = j.budgets[0];
    by_shape[c.shape].add(b);
    if (c.leak) leaks.add(b);
    if (c.healthy) {
      healthy.add(b);
      healthy_by_shape[c.shape].add(b);
      by_phi_healthy[c.params.phi].add(b);
      AnalysisOptions o6;
      o6.confidence = 1 - (1 - conf) / kFamily;
      Judgement j6 = judge_run(d, {budget}, o6);
      healthy6.add(j6.budgets[0]);
      healthy6_by_shape[c.shape].add(j6.budgets[0]);
    }
    // Detection where it is required: >= 5x the budget in a final regime
    // covering >= 1/3 of the run.
    if (c.leak && c.final_ratio >= 5 && c.final_share >= 1.0 / 3) {
      Tally& t = strong_by_shape[c.shape];
      t.add(b);
      if (b.mds && *b.mds <= 5 * kBudget) {
        ++t.mds_ok;
        if (b.verdict == Verdict::kFail) ++t.mds_ok_fail;
      }
    }
    if (c.shape == "linear") {
      Tally& t = by_ratio[c.ratio];
      t.add(b);
      if (b.mds && *b.mds < 5 * kBudget) {
        ++t.mds_ok;
        if (b.verdict == Verdict::kFail) ++t.mds_ok_fail;
      }
      if (c.ratio >= 0.9 && c.ratio <= 1.1) band.add(b);
      const auto& tr = j.series[0].trend;
      if (tr) {
        ++t.cov_n;
        ++coverage_all.cov_n;
        bool in = tr->ci_low_per_h <= c.true_slope_per_h && c.true_slope_per_h <= tr->ci_high_per_h;
        t.covered += in;
        coverage_all.covered += in;
        t.rel_err.push_back((tr->slope_per_h - c.true_slope_per_h) / kBudget);
        coverage_all.rel_err.push_back((tr->slope_per_h - c.true_slope_per_h) / kBudget);
      }
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto family = [&](const Tally& t) { return t.n ? 100.0 * (1 - std::pow(1 - double(t.fail) / t.n, kFamily)) : 0.0; };

  std::printf("corpus: %zu cases, seed %llu, budget 2 MiB/h, confidence %.2f (%.1f s, %.1f ms/case)\n\n", cases,
              static_cast<unsigned long long>(seed), conf, secs, 1000 * secs / cases);
  std::printf("Linear leaks by ratio r/B (truth: slope = r*B)\n");
  std::printf("| r/B | n | fail %% | pass %% | inconclusive %% | fail %% where MDS<5B | CI coverage %% | median bias (x B) |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (auto& [r, t] : by_ratio)
    std::printf("| %s | %d | %.1f | %.1f | %.1f | %.1f (n=%d) | %.1f | %+.3f |\n", ratio_name(r).c_str(), t.n,
                pct(t.fail, t.n), pct(t.pass, t.n), pct(t.inc, t.n), pct(t.mds_ok_fail, t.mds_ok), t.mds_ok,
                pct(t.covered, t.cov_n), med(t.rel_err));
  std::printf("\nBand 0.9B-1.1B: n=%d fail %.1f%% pass %.1f%% inconclusive %.1f%%\n", band.n, pct(band.fail, band.n),
              pct(band.pass, band.n), pct(band.inc, band.n));
  std::printf("Coverage of the interval, all linear: %.1f%% (n=%d); median bias %+.4f B\n",
              pct(coverage_all.covered, coverage_all.cov_n), coverage_all.cov_n, med(coverage_all.rel_err));

  std::printf("\nBy shape, all cases\n");
  std::printf("| shape | n | fail %% | pass %% | inconclusive %% |\n|---|---|---|---|---|\n");
  for (auto& [s, t] : by_shape)
    std::printf("| %s | %d | %.2f | %.1f | %.1f |\n", s.c_str(), t.n, pct(t.fail, t.n), pct(t.pass, t.n),
                pct(t.inc, t.n));
  std::printf("\nHealthy cases (final regime <= budget), by shape; false alarms of one budget at alpha = 1 %%, and\n"
              "family-wise over a run of %d such budgets (Holm: each at alpha/%d)\n", kFamily, kFamily);
  std::printf("| shape | n | false alarm %% (1 budget) | false alarm %% (%d budgets, family-wise) | pass %% | inconclusive %% |\n"
              "|---|---|---|---|---|---|\n", kFamily);
  for (auto& [s, t] : healthy_by_shape) {
    const Tally& t6 = healthy6_by_shape[s];
    std::printf("| %s | %d | %.2f | %.2f | %.1f | %.1f |\n", s.c_str(), t.n, pct(t.fail, t.n), family(t6),
                pct(t.pass, t.n), pct(t.inc, t.n));
  }
  std::printf("\nLeaks of >= 5x the budget in a final regime covering >= 1/3 of the run, by shape\n");
  std::printf("| shape | n | detected %% | detected %% where MDS <= 5B |\n|---|---|---|---|\n");
  Tally strong_all;
  int strong_mds = 0, strong_mds_fail = 0;
  for (auto& [s, t] : strong_by_shape) {
    std::printf("| %s | %d | %.1f | %.1f (n=%d) |\n", s.c_str(), t.n, pct(t.fail, t.n), pct(t.mds_ok_fail, t.mds_ok),
                t.mds_ok);
    strong_all.n += t.n;
    strong_all.fail += t.fail;
    strong_mds += t.mds_ok;
    strong_mds_fail += t.mds_ok_fail;
  }
  std::printf("| all | %d | %.1f | %.1f (n=%d) |\n", strong_all.n, pct(strong_all.fail, strong_all.n),
              pct(strong_mds_fail, strong_mds), strong_mds);
  std::printf("\nLeaks (any shape, final regime > budget): %d, detected %.1f%%\n", leaks.n, pct(leaks.fail, leaks.n));
  std::printf("\nFalse alarms on all healthy cases: %d / %d = %.2f%% (alpha = 1%%); at alpha/%d: %d / %d, "
              "family-wise over %d budgets %.2f%%\n",
              healthy.fail, healthy.n, pct(healthy.fail, healthy.n), kFamily, healthy6.fail, healthy6.n, kFamily,
              family(healthy6));
  for (auto& [phi, t] : by_phi_healthy)
    std::printf("  phi %.2f: %d / %d = %.2f%%\n", phi, t.fail, t.n, pct(t.fail, t.n));
  std::printf("Inconclusive on healthy cases: %.1f%%\n", pct(healthy.inc, healthy.n));

  // Fail-fast: K = 12 looks at k/K of the run, Pocock alpha spending.
  const int K = 12;
  std::map<double, std::vector<double>> detect_share;  // ratio -> share of run at first fail
  std::map<double, int> early_n;
  int early_healthy = 0, early_healthy_stopped = 0;
  size_t done = 0;
  for (const auto& c : corpus) {
    if (done >= early_cases) break;
    if (c.shape != "linear") continue;
    ++done;
    SeriesData full = generate_series(c.params);
    ++early_n[c.ratio];
    bool healthy_case = c.ratio <= 1;
    early_healthy += healthy_case;
    for (int k = 1; k < K; ++k) {
      double end = c.params.duration_s * k / K;
      RunData d;
      d.run = {{"interval_s", c.params.interval_s}};
      SeriesData part{full.name, {}, {}};
      for (size_t i = 0; i < full.t.size() && full.t[i] <= end; ++i) {
        part.t.push_back(full.t[i]);
        part.v.push_back(full.v[i]);
      }
      d.series.push_back(std::move(part));
      AnalysisOptions o;
      o.confidence = early_look_confidence(k, K, conf);
      o.end_s = end;
      Judgement j = judge_run(d, {budget}, o);
      if (j.budgets[0].verdict == Verdict::kFail) {
        detect_share[c.ratio].push_back(static_cast<double>(k) / K);
        early_healthy_stopped += healthy_case;
        break;
      }
    }
  }
  std::printf("\nFail-fast (%d looks, Pocock spending), %zu linear cases\n", K, done);
  std::printf("| r/B | n | stopped early %% | median share of run at stop |\n|---|---|---|---|\n");
  for (auto& [r, n] : early_n) {
    auto& v = detect_share[r];
    std::printf("| %s | %d | %.1f | %s |\n", ratio_name(r).c_str(), n, pct(static_cast<int>(v.size()), n),
                v.empty() ? "-" : std::to_string(med(v)).substr(0, 4).c_str());
  }
  std::printf("Healthy runs stopped early: %d / %d = %.2f%%\n", early_healthy_stopped, early_healthy,
              pct(early_healthy_stopped, early_healthy));
  return 0;
}
