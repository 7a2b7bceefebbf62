// A recorded run for report tests (header-only so reports/ and tests/ share
// it without putting test code into soak_reports): 30 min at 1 s with a
// leaking, sawtoothing rss and flat threads and fds; one failed, one passed
// and one inconclusive budget; events; and a sut.log carrying markup.
#pragma once

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "common/summary.h"

namespace soak::testing {

inline constexpr const char* kInjectedLog = "<script>alert(1)</script>";

/// Writes run.json, samples.jsonl, events.jsonl and sut.log into `dir` and
/// returns the summary analysis would have produced for them.
inline Summary write_report_fixture(const std::filesystem::path& dir, int seconds = 1800) {
  using nlohmann::json;
  const double mib = 1024.0 * 1024.0;
  {
    std::ofstream f(dir / "run.json");
    f << json{{"schema", "soak.run/v1"},
              {"version", "0.1.0"},
              {"start_utc", "2024-05-01T03:17:00Z"},
              {"host", {{"hostname", "ci-runner-7"}, {"kernel", "6.1.0-18-amd64"}, {"cores", 2},
                        {"memory_bytes", 8.0 * 1024 * mib}}},
              {"command", {"./leaky_server", "--leak", "memory", "--name", "<b>bold</b>"}},
              {"interval_s", 1.0},
              {"duration_s", seconds},
              {"budgets", {"rss=2MiB/h", "threads=0/h", "fds=0/h"}}}
             .dump();
  }
  std::vector<double> block_t, block_v;
  {
    std::ofstream f(dir / "samples.jsonl");
    double block_min = 1e300;
    for (int i = 0; i <= seconds; ++i) {
      double t = i + 0.001;
      // 8 MiB/h growth under a 4 MiB GC-like sawtooth with a 60 s period.
      double rss = 50 * mib + 8 * mib * t / 3600 + 4 * mib * std::fmod(t, 60.0) / 60.0;
      int fds = 20 + (i % 97 == 0 ? 1 : 0);
      f << json{{"t", t}, {"rss_bytes", rss}, {"threads", 12}, {"fds", fds}}.dump() << "\n";
      block_min = std::min(block_min, rss);
      if (i % 60 == 59) {
        if (t >= 180) {
          block_t.push_back(t - 30);
          block_v.push_back(block_min);
        }
        block_min = 1e300;
      }
    }
  }
  {
    std::ofstream f(dir / "events.jsonl");
    f << R"({"t":0.0,"event":"launched","pid":4242})" "\n"
      << R"({"t":0.4,"event":"ready"})" "\n"
      << R"({"t":0.5,"event":"workload_started","workload":"http"})" "\n"
      << R"({"t":180.0,"event":"warmup_end"})" "\n"
      << R"({"t":900.0,"event":"probe_error","probe":"proc","message":"read /proc/4242/status: <gone>"})" "\n"
      << R"({"t":1200.0,"event":"workload_restarted","workload":"cmd","code":1})" "\n"
      << R"({"t":1800.5,"event":"run_end","reason":"duration","duration_s":1800.0})" "\n";
  }
  {
    std::ofstream f(dir / "sut.log");
    for (int i = 0; i < 150; ++i) f << "request " << i << " handled\n";
    f << "listening on 127.0.0.1:8080 " << kInjectedLog << "\n";
  }

  Summary s;
  s.status = RunStatus::kFail;
  s.exit_code = 1;
  s.duration_s = seconds;
  s.warmup_s = 180;
  s.interval_s = 1;
  s.samples = static_cast<size_t>(seconds) + 1;
  s.command = {"./leaky_server", "--leak", "memory", "--name", "<b>bold</b>"};
  s.pid = 4242;
  s.ready_s = 0.4;

  SeriesSummary rss{"rss_bytes", "bytes", s.samples, 50 * mib, 54 * mib + 4 * mib, 50 * mib,
                    58 * mib, std::nullopt};
  Trend tr;
  tr.slope_per_h = 8 * mib;
  tr.ci_low_per_h = 7.6 * mib;
  tr.ci_high_per_h = 8.4 * mib;
  tr.mds_per_h = 0.3 * mib;
  tr.fit_t0_s = 180;
  tr.fit_y0 = 50 * mib + 8 * mib * 180 / 3600;
  tr.warmup_end_s = 180;
  tr.block_s = 60;
  tr.n_blocks = static_cast<int>(block_t.size());
  tr.block_t = block_t;
  tr.block_v = block_v;
  rss.trend = tr;
  SeriesSummary threads{"threads", "count", s.samples, 12, 12, 12, 12, std::nullopt};
  Trend flat;
  flat.fit_t0_s = 180;
  flat.fit_y0 = 12;
  flat.warmup_end_s = 180;
  flat.ci_low_per_h = -0.1;
  flat.ci_high_per_h = 0.0;
  threads.trend = flat;
  SeriesSummary fds{"fds", "count", s.samples, 20, 20, 20, 21, std::nullopt};
  Trend fds_trend = flat;
  fds_trend.fit_y0 = 20;
  fds_trend.ci_low_per_h = -0.4;
  fds_trend.ci_high_per_h = 0.5;
  fds.trend = fds_trend;
  s.series = {rss, threads, fds};

  BudgetResult b1;
  b1.spec = "rss=2MiB/h";
  b1.series = "rss_bytes";
  b1.kind = "slope";
  b1.limit = 2 * mib;
  b1.per = "h";
  b1.observed = 8 * mib;
  b1.ci_low = 7.6 * mib;
  b1.ci_high = 8.4 * mib;
  b1.verdict = Verdict::kFail;
  b1.reason = "lower bound 7.60 MiB/h > budget 2.00 MiB/h";
  BudgetResult b2;
  b2.spec = "threads=0/h";
  b2.series = "threads";
  b2.kind = "slope";
  b2.limit = 0;
  b2.per = "h";
  b2.observed = 0;
  b2.ci_low = -0.1;
  b2.ci_high = 0;
  b2.verdict = Verdict::kPass;
  b2.reason = "upper bound 0 <= budget 0";
  BudgetResult b3;
  b3.spec = "fds=0/h";
  b3.series = "fds";
  b3.kind = "slope";
  b3.limit = 0;
  b3.per = "h";
  b3.observed = 0;
  b3.ci_low = -0.4;
  b3.ci_high = 0.5;
  b3.verdict = Verdict::kInconclusive;
  b3.reason = "interval [-0.4, 0.5] straddles the budget | needs a longer run";
  b3.needed_s = 7200;
  s.budgets = {b1, b2, b3};

  WorkloadSummary w;
  w.requests = 180000;
  w.errors = 3;
  w.rate_per_s = 100;
  w.p50_ms = 1.25;
  w.p99_ms = 8.5;
  w.errors_by_kind = {{"timeout", 3}};
  w.target_rate_per_s = 100;
  s.workload = w;
  s.warnings = {"fds: only 27 blocks after warm-up; run longer for a firmer verdict"};
  return s;
}

}  // namespace soak::testing
