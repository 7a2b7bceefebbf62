// End to end: `soak fleet` against the real Prometheus server (Debian's
// `prometheus`) on loopback, scraping three instances of the Go example
// every second: two healthy, one leaking goroutines. soak launches nothing
// here; it reads /api/v1/query_range as it would from a production server.
// One fixture for the suite: the services and the server start once, and the
// tests wait (by polling the server, not by sleeping) until it holds enough
// scrapes of every instance.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "net/http_client.h"
#include "probes/prom_api.h"
#include "tests/http_wait.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using testing::wait_http_ok;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPrometheus = "/usr/bin/prometheus";
// Scrapes per instance (1 s apart) before the tests run: a verdict needs 8
// post-warm-up blocks, and 25 scrapes gave only 7 blocks of 3 s.
constexpr size_t kScrapesWanted = 40;

fs::path example() { return testing::build_dir() / "examples/go/soak-go-example"; }

json read_json(const fs::path& p) {
  std::ifstream f(p);
  return json::parse(f, nullptr, false);
}

double now_unix() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Instance {
  std::string mode;
  int port = 0;
  std::unique_ptr<testing::Background> proc;
  std::string addr() const { return "127.0.0.1:" + std::to_string(port); }
};

class FleetE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(example()) || !fs::exists(kPrometheus)) return;
    dir_ = new testing::TempDir();
    // Two healthy instances (one that starts and ends goroutines all the
    // time) and one that leaks 20 goroutines a second.
    for (auto [mode, per_s] : {std::pair{"none", "0"}, {"goroutine-fixed", "20"}, {"goroutine", "20"}}) {
      Instance i{mode, testing::free_port(), nullptr};
      i.proc = std::make_unique<testing::Background>(
          std::vector<std::string>{example().string(), "--addr", i.addr(), "--mode", mode, "--leak-per-s", per_s},
          *dir_ / ("example-" + std::to_string(i.port) + ".log"));
      instances_.push_back(std::move(i));
    }
    for (auto& i : instances_) ASSERT_TRUE(wait_http_ok("http://" + i.addr() + "/healthz", 20)) << i.addr();
    std::string targets;
    for (auto& i : instances_) targets += (targets.empty() ? "'" : ", '") + i.addr() + "'";
    // The server's own config: a 1 s scrape interval keeps the test short.
    testing::write_file(*dir_ / "prometheus.yml", "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                                                  "scrape_configs:\n  - job_name: api\n    static_configs:\n"
                                                  "      - targets: [" + targets + "]\n");
    prom_port_ = testing::free_port();
    started_unix_ = now_unix();
    prometheus_ = new testing::Background(
        {kPrometheus, "--config.file=" + (*dir_ / "prometheus.yml").string(),
         "--storage.tsdb.path=" + (*dir_ / "data").string(), "--web.listen-address=" + prom_addr(),
         "--log.level=warn"},
        *dir_ / "prometheus.log");
    ASSERT_TRUE(wait_http_ok(prom_url() + "/-/ready", 60)) << testing::read_file(*dir_ / "prometheus.log");
    // Until the server holds kScrapesWanted samples of every instance.
    PromApi api(prom_url(), {}, std::chrono::seconds(5));
    bool scraped = testing::wait_until(
        [&] {
          auto m = api.query_matrix("go_goroutines{job=\"api\"}[5m]", now_unix());
          size_t ready = 0;
          if (m)
            for (const auto& s : m->series) ready += s.t.size() >= kScrapesWanted;
          return ready == instances_.size();
        },
        120);
    ASSERT_TRUE(scraped) << "prometheus did not scrape every instance " << kScrapesWanted << " times: "
                         << testing::read_file(*dir_ / "prometheus.log");
  }
  static void TearDownTestSuite() {
    delete prometheus_;
    prometheus_ = nullptr;
    instances_.clear();
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!fs::exists(example())) GTEST_SKIP() << "no Go toolchain: " << example() << " was not built";
    if (!fs::exists(kPrometheus)) GTEST_SKIP() << kPrometheus << " is not installed (scripts/setup.sh installs it)";
    ASSERT_TRUE(prometheus_ && prometheus_->running()) << "the suite's Prometheus server is not running";
  }

  static std::string prom_addr() { return "127.0.0.1:" + std::to_string(prom_port_); }
  static std::string prom_url() { return "http://" + prom_addr(); }
  // A window that covers every scrape since the server started.
  static std::string since() {
    return std::to_string(static_cast<int>(std::ceil(now_unix() - started_unix_)) + 1) + "s";
  }
  static const Instance& leaking() { return instances_[2]; }

  std::vector<std::string> fleet_args(std::vector<std::string> extra) const {
    std::vector<std::string> a = {testing::soak_binary().string(), "fleet", "--prometheus", prom_url(),
                                  "--select", "{job=\"api\"}", "--out", (out_ / "out").string()};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  fs::path out() const { return out_ / "out"; }

  static testing::TempDir* dir_;
  static std::vector<Instance> instances_;
  static testing::Background* prometheus_;
  static int prom_port_;
  static double started_unix_;
  testing::TempDir out_;
};

testing::TempDir* FleetE2E::dir_ = nullptr;
std::vector<Instance> FleetE2E::instances_;
testing::Background* FleetE2E::prometheus_ = nullptr;
int FleetE2E::prom_port_ = 0;
double FleetE2E::started_unix_ = 0;

const json* instance_of(const json& summary, const std::string& name) {
  for (const auto& i : summary["instances"])
    if (i.value("name", "") == name) return &i;
  return nullptr;
}

std::string verdict_of(const json& inst, const std::string& series) {
  for (const auto& b : inst.value("budgets", json::array()))
    if (b.value("series", "") == series) return b.value("verdict", "");
  return "(no budget on " + series + ")";
}

TEST_F(FleetE2E, TheLeakingInstanceIsTheOnlyOneFailingAndIsNamedInSummaryAndReport) {
  auto r = testing::run_command(fleet_args({"--since", since(), "--budget", "goroutines=0/h", "--budget",
                                            "fds=0/h", "--budget", "rss<=1GiB"}),
                                60);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  json summary = read_json(out() / "summary.json");
  ASSERT_FALSE(summary.is_discarded()) << r.err;
  SCOPED_TRACE(r.out);
  EXPECT_EQ(summary["status"], "fail");
  ASSERT_EQ(summary["instances"].size(), 3u);
  for (const auto& inst : instances_) {
    const json* i = instance_of(summary, inst.addr());
    ASSERT_TRUE(i) << inst.addr();
    EXPECT_EQ((*i)["labels"]["job"], "api");
    EXPECT_EQ((*i)["labels"]["instance"], inst.addr());
    if (inst.mode == "goroutine") {
      EXPECT_EQ((*i)["status"], "fail") << inst.mode << (*i)["budgets"].dump(1) << (*i)["run"].dump();
      EXPECT_EQ(verdict_of(*i, "goroutines"), "fail");
    } else {
      EXPECT_EQ((*i)["status"], "pass") << inst.mode << (*i)["budgets"].dump(1);
      EXPECT_THAT(verdict_of(*i, "goroutines"), ::testing::AnyOf("pass", "inconclusive")) << inst.mode;
    }
    EXPECT_EQ(verdict_of(*i, "rss_bytes"), "pass") << inst.mode;
  }
  // The fleet's row names the failing instance.
  EXPECT_THAT(summary["budgets"][0]["reason"].get<std::string>(), HasSubstr("fails on 1 of 3 instances: " + leaking().addr()));
  // It is also the outlier on goroutines, and no healthy one is.
  bool flagged = false;
  for (const auto& o : summary["outliers"]) {
    EXPECT_EQ(o["instance"], leaking().addr()) << o.dump();
    flagged = flagged || o["series"] == "goroutines";
  }
  EXPECT_TRUE(flagged) << summary["outliers"].dump(1);
  // Step from the scrape interval the server's raw samples show (1 s).
  EXPECT_EQ(summary["fleet"]["step_from"], "scrape interval");
  EXPECT_NEAR(summary["fleet"]["step_s"].get<double>(), 1.0, 0.05);

  std::string html = testing::read_file(out() / "report.html");
  EXPECT_THAT(html, HasSubstr("<code>" + leaking().addr() + "</code></td><td class=\"v-fail\">FAIL"));
  for (const auto& inst : instances_) {
    if (inst.mode != "goroutine") {
      EXPECT_THAT(html, HasSubstr("<code>" + inst.addr() + "</code></td><td class=\"\">PASS"));
    }
  }
  EXPECT_THAT(html, HasSubstr("<section class=\"multiples\"><h2><code>goroutines</code> per instance"));
  EXPECT_THAT(html, HasSubstr("<tr class=\"outlier\"><td><code>" + leaking().addr()));
  std::string junit = testing::read_file(out() / "junit.xml");
  EXPECT_THAT(junit, HasSubstr("tests=\"9\" failures=\"1\""));
  EXPECT_THAT(junit, HasSubstr("name=\"instance=" + leaking().addr() + " goroutines=0/h\""));
  EXPECT_THAT(testing::read_file(out() / "summary.md"), HasSubstr("| " + leaking().addr() + " | FAIL |"));
  EXPECT_THAT(r.out, HasSubstr("instance=\"" + leaking().addr() + "\": FAIL"));
}

TEST_F(FleetE2E, AWindowWiderThan11000StepsIsFetchedInChunks) {
  // 30 s (all of it scraped: the suite waited for 40 scrapes) at a 2 ms step
  // is 15,001 points per series: the server refuses more than 11,000 in one
  // request, so each query takes two.
  auto r = testing::run_command(fleet_args({"--since", "30s", "--step", "2ms", "--budget", "goroutines=0/h"}), 60);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  json summary = read_json(out() / "summary.json");
  ASSERT_FALSE(summary.is_discarded()) << r.err;
  const json& f = summary["fleet"];
  EXPECT_EQ(f["step_from"], "--step");
  size_t queries = f["queries"].size();
  EXPECT_EQ(f["chunks"].get<size_t>(), 2 * queries) << f.dump(1);
  EXPECT_EQ(f["requests"].get<size_t>(), 2 * queries + 1);  // + the scrape-interval look-up
  // Both chunks' points arrived and were joined: more than one request holds.
  for (const auto& i : summary["instances"]) {
    EXPECT_GT(i["run"]["samples"].get<size_t>(), 11000u) << i["name"];
    EXPECT_EQ(i["status"], i["name"] == leaking().addr() ? "fail" : "pass") << i["name"];
  }
}

TEST_F(FleetE2E, DurationWatchesFromNowAndThenJudges) {
  auto t0 = now_unix();
  auto r = testing::run_command(fleet_args({"--duration", "3s", "--budget", "goroutines=0/h", "--header",
                                            "X-Scope-OrgID: t1"}),
                                60);
  EXPECT_THAT(r.exit_code, ::testing::AnyOf(0, 1)) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("soak fleet: watching " + prom_url()));
  json summary = read_json(out() / "summary.json");
  ASSERT_FALSE(summary.is_discarded()) << r.err;
  const json& f = summary["fleet"];
  EXPECT_EQ(f["mode"], "duration");
  EXPECT_GE(f["start_unix"].get<double>(), t0 - 1);
  EXPECT_NEAR(f["end_unix"].get<double>() - f["start_unix"].get<double>(), 3.0, 0.01);
  EXPECT_GE(now_unix(), f["end_unix"].get<double>());  // it waited for the window to end
  EXPECT_EQ(summary["instances"].size(), 3u);
  // Header names are recorded, values (tenants, tokens) are not.
  EXPECT_EQ(f["headers"], json::array({"X-Scope-OrgID"}));
  EXPECT_THAT(testing::read_file(out() / "summary.json"), Not(HasSubstr("t1\"")));
}

TEST_F(FleetE2E, InterruptedWhileWatchingJudgesTheWindowSoFarWithExit130) {
  fs::path log = out_ / "soak.log";
  testing::Background soak(fleet_args({"--duration", "10m", "--budget", "goroutines=0/h"}), log);
  ASSERT_TRUE(testing::wait_for_text(log, "soak fleet: watching", 30)) << testing::read_file(log);
  // The length of the window under test (>= 1.5 s is checked below), not a
  // wait for something to happen.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ::kill(soak.pid(), SIGINT);
  EXPECT_EQ(soak.wait(30), 130) << testing::read_file(log);
  json summary = read_json(out() / "summary.json");
  ASSERT_FALSE(summary.is_discarded()) << testing::read_file(log);
  EXPECT_EQ(summary["status"], "interrupted");
  double window = summary["fleet"]["end_unix"].get<double>() - summary["fleet"]["start_unix"].get<double>();
  EXPECT_GT(window, 1.5);
  EXPECT_LT(window, 600);
  EXPECT_TRUE(fs::exists(out() / "report.html"));
}

TEST_F(FleetE2E, AnUnreachableServerIsExit3WithAMessage) {
  int port = testing::free_port();
  auto a = fleet_args({"--since", "1h", "--budget", "goroutines=0/h"});
  a[3] = "http://127.0.0.1:" + std::to_string(port);
  auto r = testing::run_command(a, 60);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("soak: --prometheus http://127.0.0.1:" + std::to_string(port)));
  EXPECT_THAT(r.err, HasSubstr("connect"));
}

TEST_F(FleetE2E, ASelectorThatMatchesNothingIsExit3) {
  auto a = fleet_args({"--since", "1m", "--budget", "goroutines=0/h"});
  a[5] = "{job=\"no-such-job\"}";
  auto r = testing::run_command(a, 60);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("--select {job=\"no-such-job\"}: matches no series"));
}

TEST_F(FleetE2E, BadFlagsAreExit2BeforeAnyRequest) {
  int port = testing::free_port();  // nothing listens: exit 2, not 3, shows nothing was asked
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"--select", "{job=\"api\"}", "--since", "1h", "--duration", "1h"}, "exactly one of --since D"},
      {{"--select", "{job=\"api\"}"}, "exactly one of --since D"},
      {{"--select", "{job=api}", "--since", "1h"}, "--select \"{job=api}\": the value of \"job\" must be quoted"},
      {{"--select", "up{job=\"api\"}", "--since", "1h"}, "a metric name before { is not allowed"},
      {{"--select", "{job=\"api\"}", "--since", "1hr"}, "--since \"1hr\""},
      {{"--select", "{job=\"api\"}", "--since", "1h", "--budget", "sockets=0/h"}, "--budget \"sockets=0/h\""},
      {{"--select", "{job=\"api\"}", "--since", "1h", "--budget", "heap=1KiB/req"}, "per-request budget"},
      {{"--select", "{job=\"api\"}", "--since", "1h", "--header", "X-Scope-OrgID t1"}, "--header \"X-Scope-OrgID t1\""},
      {{"--since", "1h"}, "--select is required"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> a = {testing::soak_binary().string(), "fleet", "--prometheus", url, "--out",
                                  (out_ / "bad").string()};
    a.insert(a.end(), c.args.begin(), c.args.end());
    auto r = testing::run_command(a, 30);
    EXPECT_EQ(r.exit_code, 2) << c.message << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace soak
