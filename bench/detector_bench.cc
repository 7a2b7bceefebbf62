// Detector quality on the synthetic corpus (DETECTION.md 6, 7): detection
// rate by leak/budget ratio, false alarms per healthy shape (truth on the
// final regime) for one budget and family-wise for a run of 6 budgets,
// detection of >= 5x leaks in a final regime covering >= 1/3 of the run,
// the inconclusive share, CI coverage, slope bias, the 0.9B-1.1B band, and
// time to detect under --fail-fast (simulated looks). Prints tables; never
// gates CI.
//
//   build-*/detector_bench [cases=4000] [early_cases=400] [seed=1]
//
// SOAK_BENCH_DUMP=1 also prints one line per miss (a healthy case not
// passed, a >= 5x leak not failed, a healthy run stopped early, a linear
// case whose true slope is above the upper bound) with its parameters and
// reason; SOAK_BENCH_ONLY_FF=1 runs the fail-fast part only.
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
#include "analysis/stats.h"
#include "analysis/summarize.h"
#include "common/budget.h"
#include "harness/early_looks.h"

using namespace soak;
using namespace soak::analysis;

namespace {
constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kBudget = 2 * kMiB;

struct Tally {
  int n = 0, fail = 0, pass = 0, inc = 0;
  int mds_ok = 0, mds_ok_fail = 0;  // cases whose MDS < 5B, and their fails
  int covered = 0, cov_n = 0;
  int above = 0, below = 0;  // the true slope above the upper bound, below the lower one
  int above_far = 0;         // ... above it by more than 0.05 B
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

// The oracle of DETECTION.md's efficiency check, made stronger: the slope's
// standard error of generalised least squares with the true AR(1) phi and
// SD (Prais-Winsten) on every raw sample from the 10 % warm-up floor on,
// as if the sawtooth, steps and bursts were known and subtracted. Its
// chance of leaving a healthy case (final slope s <= B) inconclusive at
// `confidence` is 1 - Phi((B - s) / se - z_confidence): no method can pass
// what it cannot. It also holds the final slope over the whole span, so
// for late onsets, steps and plateaus it knows the knee: a lower bound, not
// a method. Run lengths where it is high are out of any detector's reach.
double oracle_inconclusive(const CorpusCase& c, const SeriesData& s, double confidence) {
  const double phi = c.params.phi, sigma = c.params.sigma;
  const double innov2 = sigma * sigma * (1 - phi * phi);
  double a11 = 0, a12 = 0, a22 = 0, prev = 0;
  bool first = true;
  for (double t_s : s.t) {
    if (t_s < 0.1 * c.params.duration_s) continue;
    const double t = t_s / 3600;
    double x1, x2;
    if (first) {
      const double k = std::sqrt(1 - phi * phi);
      x1 = k;
      x2 = k * t;
      first = false;
    } else {
      x1 = 1 - phi;
      x2 = t - phi * prev;
    }
    prev = t;
    a11 += x1 * x1;
    a12 += x1 * x2;
    a22 += x2 * x2;
  }
  const double det = a11 * a22 - a12 * a12;
  if (!(det > 0)) return 1;
  const double se = std::sqrt(innov2 * a11 / det);
  return 1 - normal_cdf((kBudget - c.final_ratio * kBudget) / se - normal_quantile(confidence));
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
  int healthy_inc_imprecise = 0;  // inconclusive healthy cases whose run could not even detect 3x the budget
  std::map<std::string, Tally> healthy_by_shape, healthy6_by_shape, strong_by_shape;
  std::map<double, Tally> by_phi_healthy;
  std::map<double, Tally> by_duration_healthy;  // healthy cases by run length
  std::map<double, int> by_duration_imprecise;  // ... of them inconclusive with MDS > 3B
  std::map<double, double> by_duration_oracle;   // ... the oracle's expected inconclusive count
  std::map<std::string, double> by_shape_oracle;  // healthy cases: the oracle's expected inconclusive count
  double oracle_inc = 0;
  // A run with 6 slope budgets and nothing failing judges each at alpha / 6
  // (Holm's first step): its family-wise false-alarm rate is
  // 1 - (1 - p6)^6 <= 6 p6, with p6 the rate of one healthy series at alpha / 6.
  const int kFamily = 6;
  for (const auto& c : corpus) {
    if (std::getenv("SOAK_BENCH_ONLY_FF")) break;
    RunData d;
    d.run = {{"interval_s", c.params.interval_s}};
    d.series.push_back(generate_series(c.params));
    const double oracle = c.healthy ? oracle_inconclusive(c, d.series[0], conf) : 0;
    // The run starts at launch (t = 0), where soak run's /proc series begin,
    // even when the judged series' first reading comes later (the sparse
    // shape's first of 5-10 readings is at 1/5-1/10 of the run): a counter
    // sampled at launch and at the end sets that start and is not judged.
    d.series.push_back(SeriesData{"cpu_seconds", {0.0, c.params.duration_s}, {0.0, 1.0}});
    AnalysisOptions o;
    o.confidence = conf;
    Judgement j = judge_run(d, {budget}, o);
    const BudgetResult& b = j.budgets[0];
    if (std::getenv("SOAK_BENCH_DUMP") && ((c.healthy && b.verdict == Verdict::kInconclusive) || (c.leak && c.final_ratio >= 5 && c.final_share >= 1.0 / 3 && b.verdict != Verdict::kFail) || (c.healthy && b.verdict == Verdict::kFail)))
      std::printf("DUMP %s oracle=%.2f hi=%.2fB mds=%.2fB h=%d l=%d fr=%.2f T=%.0f dt=%.2f sig=%.2fMiB phi=%.2f saw=%.1fMiB/%.0fs step=%.1fMiB pts=%d thin=%.1f | %s %s\n",
                  c.shape.c_str(), oracle, b.ci_high ? *b.ci_high / kBudget : 99.0, b.mds ? *b.mds / kBudget : -1.0, c.healthy, c.leak, c.final_ratio, c.params.duration_s, c.params.interval_s,
                  c.params.sigma / kMiB, c.params.phi, c.params.saw_amp / kMiB, c.params.saw_period_s,
                  c.params.step_amp / kMiB, c.params.points, c.params.thin_factor,
                  b.verdict == Verdict::kFail ? "FAIL" : b.verdict == Verdict::kPass ? "pass" : "INC", b.reason.c_str());
    if (std::getenv("SOAK_BENCH_DUMP") && j.series[0].trend) {
      const auto& tr = *j.series[0].trend;
      if ((c.healthy && b.verdict == Verdict::kInconclusive) || (c.leak && c.final_ratio >= 5 && c.final_share >= 1.0 / 3 && b.verdict != Verdict::kFail))
        std::printf("  TREND wu=%.0f/%.0f block=%.0f n=%d regime=%s/%d phi=%.2f neff=%.1f sigma=%.2fMiB\n", tr.warmup_end_s, c.params.duration_s, tr.block_s, tr.n_blocks,
                    tr.regime.c_str(), tr.regime_windows, tr.phi, tr.n_eff, tr.sigma / kMiB);
    }
    by_shape[c.shape].add(b);
    if (c.leak) leaks.add(b);
    if (std::getenv("SOAK_BENCH_DUMP_PASSED") && c.leak && b.verdict == Verdict::kPass)
      std::printf("PASSED %s ratio=%.2f fr=%.2f share=%.2f T=%.0f dt=%.2f sig=%.2fMiB phi=%.2f | %s\n", c.shape.c_str(), c.ratio,
                  c.final_ratio, c.final_share, c.params.duration_s, c.params.interval_s, c.params.sigma / kMiB, c.params.phi, b.reason.c_str());
    if (c.healthy) {
      healthy.add(b);
      const bool imprecise = b.verdict == Verdict::kInconclusive && !(b.mds && *b.mds <= 3 * kBudget);
      healthy_inc_imprecise += imprecise;
      healthy_by_shape[c.shape].add(b);
      by_phi_healthy[c.params.phi].add(b);
      by_duration_healthy[c.params.duration_s].add(b);
      by_duration_imprecise[c.params.duration_s] += imprecise;
      by_duration_oracle[c.params.duration_s] += oracle;
      by_shape_oracle[c.shape] += oracle;
      oracle_inc += oracle;
      AnalysisOptions o6;
      o6.confidence = 1 - (1 - conf) / kFamily;
      Judgement j6 = judge_run(d, {budget}, o6);
      if (std::getenv("SOAK_BENCH_DUMP") && j6.budgets[0].verdict == Verdict::kFail) {
        std::printf("DUMP6 %s T=%.0f dt=%.2f sig=%.2fMiB phi=%.2f saw=%.1fMiB/%.0fs step=%.1fMiB | %s\n", c.shape.c_str(),
                    c.params.duration_s, c.params.interval_s, c.params.sigma / kMiB, c.params.phi,
                    c.params.saw_amp / kMiB, c.params.saw_period_s, c.params.step_amp / kMiB, j6.budgets[0].reason.c_str());
        if (const auto& trend = j6.series[0].trend) {
          std::printf("  TREND wu=%.0f block=%.0f n=%d regime=%s/%d phi=%.2f neff=%.1f sigma=%.2fMiB\n",
                      trend->warmup_end_s, trend->block_s, trend->n_blocks, trend->regime.c_str(),
                      trend->regime_windows, trend->phi, trend->n_eff, trend->sigma / kMiB);
          for (size_t i = 0; i < trend->block_t.size(); ++i)
            std::printf(" %.0f:%.2f", trend->block_t[i], trend->block_v[i] / kMiB);
          std::printf("\n");
        }
      }
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
        coverage_all.above += c.true_slope_per_h > tr->ci_high_per_h;
        coverage_all.above_far += c.true_slope_per_h > tr->ci_high_per_h + 0.05 * kBudget;
        coverage_all.below += c.true_slope_per_h < tr->ci_low_per_h;
        if (std::getenv("SOAK_BENCH_DUMP") && c.true_slope_per_h > tr->ci_high_per_h)
          std::printf("MISS r=%.1f T=%.0f dt=%.2f sig=%.2f phi=%.2f saw=%.1f/%.0f n=%d bphi=%.2f neff=%.1f regime=%s slope=%.4fB hi=%.4fB\n", c.ratio, c.params.duration_s, c.params.interval_s, c.params.sigma / kMiB, c.params.phi, c.params.saw_amp / kMiB, c.params.saw_period_s, tr->n_blocks, tr->phi, tr->n_eff, tr->regime.c_str(), tr->slope_per_h / kBudget, tr->ci_high_per_h / kBudget);
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
  std::printf("Coverage of the interval, all linear: %.1f%% (n=%d); median bias %+.4f B; the true slope above the "
              "upper (pass) bound %.1f%% (by more than 0.05 B: %.1f%%), below the lower (fail) bound %.1f%% (each nominal <= 1%%)\n",
              pct(coverage_all.covered, coverage_all.cov_n), coverage_all.cov_n, med(coverage_all.rel_err),
              pct(coverage_all.above, coverage_all.cov_n), pct(coverage_all.above_far, coverage_all.cov_n),
              pct(coverage_all.below, coverage_all.cov_n));

  std::printf("\nBy shape, all cases\n");
  std::printf("| shape | n | fail %% | pass %% | inconclusive %% |\n|---|---|---|---|---|\n");
  for (auto& [s, t] : by_shape)
    std::printf("| %s | %d | %.2f | %.1f | %.1f |\n", s.c_str(), t.n, pct(t.fail, t.n), pct(t.pass, t.n),
                pct(t.inc, t.n));
  std::printf("\nHealthy cases (final regime <= budget), by shape; false alarms of one budget at alpha = 1 %%, and\n"
              "family-wise over a run of %d such budgets (Holm: each at alpha/%d)\n", kFamily, kFamily);
  std::printf("| shape | n | false alarm %% (1 budget) | false alarm %% (%d budgets, family-wise) | pass %% | inconclusive %% | oracle inconclusive %% |\n"
              "|---|---|---|---|---|---|---|\n", kFamily);
  for (auto& [s, t] : healthy_by_shape) {
    const Tally& t6 = healthy6_by_shape[s];
    std::printf("| %s | %d | %.2f | %.2f | %.1f | %.1f | %.1f |\n", s.c_str(), t.n, pct(t.fail, t.n), family(t6),
                pct(t.pass, t.n), pct(t.inc, t.n), t.n ? 100 * by_shape_oracle[s] / t.n : 0.0);
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
  std::printf("\nLeaks (any shape, final regime > budget): %d, detected %.1f%%, passed %d (%.2f%%: the upper bound's error, nominal <= 1%%)\n",
              leaks.n, pct(leaks.fail, leaks.n), leaks.pass, pct(leaks.pass, leaks.n));
  std::printf("\nFalse alarms on all healthy cases: %d / %d = %.2f%% (alpha = 1%%); at alpha/%d: %d / %d, "
              "family-wise over %d budgets %.2f%%\n",
              healthy.fail, healthy.n, pct(healthy.fail, healthy.n), kFamily, healthy6.fail, healthy6.n, kFamily,
              family(healthy6));
  for (auto& [phi, t] : by_phi_healthy)
    std::printf("  phi %.2f: %d / %d = %.2f%%\n", phi, t.fail, t.n, pct(t.fail, t.n));
  std::printf("Inconclusive on healthy cases: %.1f%% (%d / %d); of them %d (%.1f%% of all healthy) in runs that "
              "could not detect even 3x the budget (MDS > 3B)\n",
              pct(healthy.inc, healthy.n), healthy.inc, healthy.n, healthy_inc_imprecise, pct(healthy_inc_imprecise, healthy.n));
  std::printf("Oracle (GLS with the true AR(1) phi on every raw sample, sawtooth, steps and bursts known): "
              "inconclusive on %.1f%% of the healthy cases\n",
              healthy.n ? 100 * oracle_inc / healthy.n : 0.0);
  std::printf("\nHealthy cases by run length (noise phi 0-0.99 between samples, SD 0.01-1 MiB; budget 2 MiB/h)\n"
              "| run | n | pass %% | inconclusive %% | inconclusive with MDS > 3B %% | oracle inconclusive %% |\n|---|---|---|---|---|---|\n");
  for (auto& [dur, t] : by_duration_healthy)
    std::printf("| %.0f min | %d | %.1f | %.1f | %.1f | %.1f |\n", dur / 60, t.n, pct(t.pass, t.n), pct(t.inc, t.n),
                pct(by_duration_imprecise[dur], t.n), t.n ? 100 * by_duration_oracle[dur] / t.n : 0.0);

  // Fail-fast as `soak run --fail-fast` runs it (harness/early_looks): no
  // look before warm-up (auto: 10 % of the run), one look every
  // max(min(60 s, w/4), w/20), the early looks spending alpha/2 Pocock-shaped
  // and the final judgement the rest. Shapes: linear leaks and healthy
  // warm-ups (cache, log-warmup), sawtooths and bursts; a healthy run counts
  // as a false alarm when an early look or the final judgement fails it.
  std::map<std::string, Tally> ff_healthy;       // by shape: fail = stopped early
  std::map<std::string, int> ff_healthy_final;   // failed by the final judgement
  std::map<double, std::vector<double>> detect_share;  // linear: ratio -> share of run at first fail
  std::map<double, int> early_n, final_fail;
  size_t done = 0;
  for (const auto& c : corpus) {
    if (done >= early_cases) break;
    const bool warm = c.shape == "cache" || c.shape == "log-warmup" || c.shape == "sawtooth" || c.shape == "bursts";
    if (c.shape != "linear" && !(warm && c.healthy)) continue;
    ++done;
    SeriesData full = generate_series(c.params);
    const bool healthy_case = c.healthy;
    if (c.shape == "linear") ++early_n[c.ratio];
    LookPlan plan = plan_looks(from_seconds(c.params.duration_s), std::nullopt);
    double spent = 0;
    bool stopped = false;
    for (int k = 1; k < plan.planned; ++k) {
      const double now = plan.at_s(k);
      RunData d;
      d.run = {{"interval_s", c.params.interval_s}};
      SeriesData part{full.name, {}, {}};
      for (size_t i = 0; i < full.t.size() && full.t[i] <= now; ++i) {
        part.t.push_back(full.t[i]);
        part.v.push_back(full.v[i]);
      }
      if (part.t.empty()) continue;
      d.series.push_back(std::move(part));
      AnalysisOptions o = look_options(plan, k, conf, std::nullopt, 0, d.series[0].t.front(), now);
      spent += 1 - o.confidence;
      Judgement j = judge_run(d, {budget}, o);
      if (j.budgets[0].verdict == Verdict::kFail && early_fail_stops(d, j, j.budgets[0], now)) {
        if (std::getenv("SOAK_BENCH_DUMP") && healthy_case)
          std::printf("FFDUMP %s look %d/%d at %.0f/%.0f dt=%.2f sig=%.2fMiB phi=%.2f saw=%.1fMiB/%.0fs burst=%.1f/h %.1fMiB %.0fs ratio=%.1f | %s\n",
                      c.shape.c_str(), k, plan.planned, now, c.params.duration_s, c.params.interval_s, c.params.sigma / kMiB,
                      c.params.phi, c.params.saw_amp / kMiB, c.params.saw_period_s, c.params.burst_per_h,
                      c.params.burst_amp / kMiB, c.params.burst_len_s, c.ratio, j.budgets[0].reason.c_str());
        if (c.shape == "linear") detect_share[c.ratio].push_back(now / c.params.duration_s);
        stopped = true;
        break;
      }
    }
    bool final_failed = false;
    if (!stopped) {
      RunData d;
      d.run = {{"interval_s", c.params.interval_s}};
      d.series.push_back(full);
      AnalysisOptions o;
      o.confidence = conf;
      o.fail_alpha = alpha_left(conf, spent);  // what the early looks left (passes keep 1 - conf)
      final_failed = judge_run(d, {budget}, o).budgets[0].verdict == Verdict::kFail;
      if (final_failed && c.shape == "linear") ++final_fail[c.ratio];
    }
    if (healthy_case) {
      Tally& t = ff_healthy[c.shape];
      ++t.n;
      t.fail += stopped;
      ff_healthy_final[c.shape] += final_failed;
    }
  }
  std::printf("\nFail-fast as soak run plans it (looks after the 10 %% warm-up floor, early looks spend alpha/2, "
              "the final judgement the rest), %zu cases\n", done);
  std::printf("| r/B (linear) | n | stopped early %% | median share of run at stop | failed at the end %% |\n|---|---|---|---|---|\n");
  for (auto& [r, n] : early_n) {
    auto& v = detect_share[r];
    std::printf("| %s | %d | %.1f | %s | %.1f |\n", ratio_name(r).c_str(), n, pct(static_cast<int>(v.size()), n),
                v.empty() ? "-" : std::to_string(med(v)).substr(0, 4).c_str(), pct(final_fail[r], n));
  }
  std::printf("| healthy shape | n | stopped early %% | failed at the end %% | false alarm %% (either) |\n|---|---|---|---|---|\n");
  int hn = 0, hs = 0, hf = 0;
  for (auto& [shape, t] : ff_healthy) {
    std::printf("| %s | %d | %.1f | %.1f | %.1f |\n", shape.c_str(), t.n, pct(t.fail, t.n),
                pct(ff_healthy_final[shape], t.n), pct(t.fail + ff_healthy_final[shape], t.n));
    hn += t.n;
    hs += t.fail;
    hf += ff_healthy_final[shape];
  }
  std::printf("Healthy runs stopped early: %d / %d = %.2f%%; false alarms early or at the end: %d / %d = %.2f%%\n",
              hs, hn, pct(hs, hn), hs + hf, hn, pct(hs + hf, hn));
  return 0;
}
