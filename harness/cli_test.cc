#include "harness/cli.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/testing.h"

namespace soak {
namespace {

using ::testing::HasSubstr;
using Args = std::vector<std::string>;

CliRequest ok(Args args) {
  args.insert(args.begin(), "soak");
  auto r = parse_cli(args);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.message());
  return r.ok() ? *r : CliRequest{};
}

std::string err(Args args) {
  args.insert(args.begin(), "soak");
  auto r = parse_cli(args);
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string() : r.message();
}

TEST(CliTest, RunFlagsIntoRunConfig) {
  auto r = ok({"run", "--duration", "1h30m", "--warmup", "5m", "--interval", "500ms", "--out", "o", "--force",
               "--budget", "rss=2MiB/h", "--budget", "threads<=100", "--ready", "tcp:127.0.0.1:8080",
               "--ready-timeout", "10s", "--go", "http://127.0.0.1:8080", "--gctrace", "--metrics",
               "http://127.0.0.1:8080/metrics", "--env", "A=1", "--env", "B=x=y", "--strict", "--fail-fast",
               "--style", "none", "--confidence", "0.95", "--pss-interval", "1m", "--go-interval", "2s", "--go-live-heap", "30s",
               "--metrics-interval", "250ms", "--metrics-max-series", "2000", "--log-limit", "1MB", "--cwd",
               "/tmp", "--", "./server", "--port", "8080", "--duration", "x"});
  ASSERT_EQ(r.command, CliCommand::kRun);
  const RunConfig& c = r.run;
  EXPECT_EQ(c.duration, std::chrono::minutes(90));
  EXPECT_EQ(c.warmup, std::chrono::minutes(5));
  EXPECT_EQ(c.interval, std::chrono::milliseconds(500));
  EXPECT_EQ(c.out, "o");
  EXPECT_TRUE(c.force);
  ASSERT_EQ(c.budgets.size(), 2u);
  EXPECT_EQ(c.budgets[1].kind, BudgetKind::kLevel);
  ASSERT_TRUE(c.ready);
  EXPECT_EQ(c.ready->port, 8080);
  EXPECT_EQ(c.ready_timeout, std::chrono::seconds(10));
  EXPECT_EQ(c.go_url, "http://127.0.0.1:8080");
  EXPECT_TRUE(c.gctrace);
  EXPECT_EQ(c.metrics_url, "http://127.0.0.1:8080/metrics");
  EXPECT_EQ(c.go_interval, std::chrono::seconds(2));
  EXPECT_EQ(c.go_live_heap, std::chrono::seconds(30));
  EXPECT_EQ(c.metrics_interval, std::chrono::milliseconds(250));
  EXPECT_EQ(c.metrics_max_series, 2000u);
  EXPECT_EQ(c.env.at("A"), "1");
  EXPECT_EQ(c.env.at("B"), "x=y");
  EXPECT_TRUE(c.strict);
  EXPECT_TRUE(c.fail_fast);
  EXPECT_EQ(c.style, Style::kNone);
  EXPECT_DOUBLE_EQ(c.confidence, 0.95);
  EXPECT_EQ(c.pss_interval, std::chrono::minutes(1));
  EXPECT_DOUBLE_EQ(c.sut_log_limit_bytes, 1e6);
  EXPECT_EQ(c.cwd, "/tmp");
  // Everything after the first "--" is the SUT's, even flags that look like ours.
  EXPECT_EQ(c.command, (Args{"./server", "--port", "8080", "--duration", "x"}));
}

TEST(CliTest, ErrorsNameFlagTextAndReason) {
  EXPECT_EQ(err({"run", "--duration", "1h", "--budget", "rss=1MB/hr"}),
            "--budget \"rss=1MB/hr\": unknown time unit \"hr\" (expected s, m, h, d or req)");
  EXPECT_THAT(err({"run", "--duration", "2hr"}), HasSubstr("--duration \"2hr\": unknown time unit \"hr\""));
  EXPECT_THAT(err({"run", "--warmup", "soon"}), HasSubstr("--warmup \"soon\""));
  EXPECT_THAT(err({"run", "--ready", "tcp:host:99999"}), HasSubstr("--ready \"tcp:host:99999\": port"));
  EXPECT_THAT(err({"run", "--env", "NOVALUE"}), HasSubstr("--env \"NOVALUE\": expected NAME=VALUE"));
  EXPECT_THAT(err({"run", "--style", "fancy"}), HasSubstr("--style \"fancy\": expected auto, basic or none"));
  EXPECT_THAT(err({"run", "--confidence", "2"}), HasSubstr("--confidence \"2\": expected a number between 0.5 and 1"));
  EXPECT_THAT(err({"run", "--workload", "ftp://x"}), HasSubstr("--workload \"ftp://x\": expected http://"));
  EXPECT_THAT(err({"run", "--go", "127.0.0.1:80"}), HasSubstr("--go \"127.0.0.1:80\""));
  EXPECT_THAT(err({"run", "--go", "http://[::1"}), HasSubstr("--go \"http://[::1\": not a valid URL"));
  EXPECT_THAT(err({"run", "--metrics", "http://h:99999/metrics"}),
              HasSubstr("--metrics \"http://h:99999/metrics\": port \"99999\""));
  EXPECT_THAT(err({"run", "--ready", "https://[::1/healthz"}), HasSubstr("--ready \"https://[::1/healthz\": not a valid URL"));
  EXPECT_THAT(err({"run", "--log-limit", "3XB"}), HasSubstr("--log-limit \"3XB\": unknown size unit"));
  for (const char* bad : {"0", "1.5", "many", "-3"})
    EXPECT_EQ(err({"run", "--metrics-max-series", bad}),
              std::string("--metrics-max-series \"") + bad + "\": expected a whole number of series >= 1, e.g. 500");
  EXPECT_EQ(ok({"run", "--", "x"}).run.metrics_max_series, 500u);
  EXPECT_THAT(err({"run", "--go-live-heap", "often"}), HasSubstr("--go-live-heap \"often\": "));
  EXPECT_THAT(err({"run", "--go-live-heap", "often"}), HasSubstr(" or off"));
  EXPECT_THAT(err({"run", "--go-live-heap", "0s"}), HasSubstr("--go-live-heap \"0s\": must be positive (or off)"));
  EXPECT_EQ(ok({"run", "--go-live-heap", "off", "--", "x"}).run.go_live_heap, Duration::zero());
  EXPECT_FALSE(ok({"run", "--", "x"}).run.go_live_heap);  // default: GoProbe::default_live_heap_every
  EXPECT_THAT(err({"run", "--bogus"}), HasSubstr("--bogus"));
  EXPECT_THAT(err({"run", "--duration"}), HasSubstr("--duration"));
  EXPECT_THAT(err({"run", "--"}), HasSubstr("nothing after \"--\""));
  EXPECT_THAT(err({}), HasSubstr("missing command"));
  EXPECT_THAT(err({"frobnicate"}), HasSubstr("frobnicate"));
  EXPECT_THAT(err({"check"}), HasSubstr("RUN_DIR"));
  EXPECT_THAT(err({"compare", "a"}), HasSubstr("RUN_DIR"));
  EXPECT_THAT(err({"check", "d", "--", "x"}), HasSubstr("only accepted by soak run"));
}

TEST(CliTest, RateAndConnectionsGoIntoTheHttpWorkload) {
  auto r = ok({"run", "--workload", "http://127.0.0.1:1/api", "--rate", "250", "--connections", "4"});
  ASSERT_EQ(r.run.workloads.size(), 1u);
  const auto& w = r.run.workloads[0];
  EXPECT_EQ(w.kind, WorkloadSpec::Kind::kHttp);
  EXPECT_EQ(w.http.at("url"), "http://127.0.0.1:1/api");
  EXPECT_EQ(w.http.at("rate"), 250.0);
  EXPECT_EQ(w.http.at("connections"), 4);
  EXPECT_EQ(w.origin, "--workload \"http://127.0.0.1:1/api\"");

  auto cmd = ok({"run", "--workload", "cmd:wrk -d{duration_s}s http://x"});
  EXPECT_EQ(cmd.run.workloads[0].kind, WorkloadSpec::Kind::kCmd);
  EXPECT_EQ(cmd.run.workloads[0].cmd, "wrk -d{duration_s}s http://x");

  EXPECT_THAT(err({"run", "--rate", "10"}), HasSubstr("--rate: needs a built-in HTTP workload"));
  EXPECT_THAT(err({"run", "--workload", "cmd:x", "--connections", "3"}),
              HasSubstr("--connections: needs a built-in HTTP workload"));
  EXPECT_THAT(err({"run", "--workload", "http://x/", "--rate", "-5"}), HasSubstr("--rate \"-5\""));
  EXPECT_THAT(err({"run", "--workload", "http://x/", "--connections", "1.5"}), HasSubstr("--connections \"1.5\""));
  EXPECT_THAT(err({"run", "--workload", "cmd:  "}), HasSubstr("empty command after cmd:"));
}

TEST(CliTest, FlagsOverrideTheConfigFile) {
  testing::TempDir dir;
  testing::write_file(dir / "soak.json", R"({
    "sut": {"command": ["./from-config"], "env": {"A": "config", "B": "config"}},
    "duration": "2h", "interval": "5s",
    "workloads": [{"http": {"url": "http://127.0.0.1:9/a", "rate": 50}}, {"cmd": "true"}],
    "budgets": {"rss": ["2MiB/h", "<=512MiB"], "threads": "0/h"}
  })");
  auto r = ok({"run", "--config", (dir / "soak.json").string(), "--duration", "10m", "--env", "B=flag",
               "--budget", "rss=4MiB/h", "--budget", "fds=0/h", "--rate", "75"});
  const RunConfig& c = r.run;
  EXPECT_EQ(c.duration, std::chrono::minutes(10));
  EXPECT_EQ(c.interval, std::chrono::seconds(5));
  EXPECT_EQ(c.command, (Args{"./from-config"}));
  EXPECT_EQ(c.env.at("A"), "config");
  EXPECT_EQ(c.env.at("B"), "flag");
  std::vector<std::string> specs;
  for (const auto& b : c.budgets) specs.push_back(b.spec);
  // rss slope replaced; rss level and threads kept; fds added.
  EXPECT_EQ(specs, (Args{"rss<=512MiB", "threads=0/h", "rss=4MiB/h", "fds=0/h"}));
  // --rate applies to the config's HTTP workload when no --workload is given.
  EXPECT_EQ(c.workloads[0].http.at("rate"), 75.0);
  EXPECT_EQ(c.workloads[0].http.at("url"), "http://127.0.0.1:9/a");

  auto replaced = ok({"run", "--config", (dir / "soak.json").string(), "--workload", "cmd:other", "--", "./x"});
  ASSERT_EQ(replaced.run.workloads.size(), 1u);
  EXPECT_EQ(replaced.run.workloads[0].cmd, "other");
  EXPECT_EQ(replaced.run.command, (Args{"./x"}));

  EXPECT_THAT(err({"run", "--config", (dir / "nope.json").string()}), HasSubstr("nope.json: cannot open"));
}

TEST(CliTest, CheckReportCompareHelpVersion) {
  auto check = ok({"check", "runs/a", "--budget", "rss=1MiB/h", "--strict", "--confidence", "0.9"});
  EXPECT_EQ(check.command, CliCommand::kCheck);
  EXPECT_EQ(check.run_dir, "runs/a");
  ASSERT_EQ(check.budgets.size(), 1u);
  EXPECT_EQ(check.strict, true);
  EXPECT_EQ(check.confidence, 0.9);
  auto plain = ok({"check", "runs/a"});
  EXPECT_TRUE(plain.budgets.empty());
  EXPECT_FALSE(plain.strict);
  EXPECT_FALSE(plain.confidence);
  EXPECT_THAT(err({"check", "d", "--budget", "rss=1MB/hr"}), HasSubstr("--budget \"rss=1MB/hr\""));

  auto report = ok({"report", "d"});
  EXPECT_EQ(report.command, CliCommand::kReport);
  EXPECT_EQ(report.run_dir, "d");
  auto compare = ok({"compare", "base", "new"});
  EXPECT_EQ(compare.command, CliCommand::kCompare);
  EXPECT_EQ(compare.base_dir, "base");
  EXPECT_EQ(compare.run_dir, "new");

  auto version = ok({"--version"});
  EXPECT_EQ(version.command, CliCommand::kVersion);
  EXPECT_THAT(version.text, HasSubstr(SOAK_VERSION));
  auto help = ok({"--help"});
  EXPECT_EQ(help.command, CliCommand::kHelp);
  EXPECT_THAT(help.text, HasSubstr("compare"));
  auto run_help = ok({"run", "--help"});
  EXPECT_THAT(run_help.text, HasSubstr("--duration"));
  EXPECT_THAT(run_help.text, HasSubstr("--budget"));
}

}  // namespace
}  // namespace soak
