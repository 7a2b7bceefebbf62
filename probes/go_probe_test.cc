// Probes against the real Go example service (examples/go), started here as
// a child process on a free loopback port.
#include "probes/go_probe.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <map>
#include <thread>

#include "probes/culprits.h"
#include "probes/gctrace_probe.h"
#include "probes/go_probes.h"
#include "net/http_client.h"
#include "probes/prometheus_probe.h"
#include "tests/http_wait.h"
#include "tests/testing/testing.h"

extern char** environ;

namespace soak {
namespace {

using namespace std::chrono_literals;

// The example service as a child; stderr readable through a pipe. Stopped
// (SIGTERM, then SIGKILL) and reaped on destruction.
class GoExample {
 public:
  explicit GoExample(const std::string& mode, std::vector<std::string> extra = {}) {
    port_ = testing::free_port();
    std::string bin = (testing::build_dir() / "examples/go/soak-go-example").string();
    std::vector<std::string> args = {bin, "--addr", "127.0.0.1:" + std::to_string(port_), "--mode", mode};
    args.insert(args.end(), extra.begin(), extra.end());
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s = {"GODEBUG=gctrace=1"};
    for (char** e = environ; *e; ++e)
      if (std::string_view(*e).rfind("GODEBUG=", 0) != 0) env_s.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    if (posix_spawn(&pid_, bin.c_str(), &fa, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    err_ = fds[0];
    ready_ = pid_ > 0 && testing::wait_http_ok(base() + "/healthz", 30);
  }
  ~GoExample() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      if (testing::wait_until([&] { return waitpid(pid_, nullptr, WNOHANG) == pid_; }, 10)) pid_ = -1;
      if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
      }
    }
    if (err_ >= 0) close(err_);
  }
  bool ready() const { return ready_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void hit(int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(http_get(base() + "/work", 5s));
  }
  int stderr_fd() const { return err_; }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
  int err_ = -1;
  bool ready_ = false;
};

std::map<std::string, double> by_series(const std::vector<Reading>& rs) {
  std::map<std::string, double> m;
  for (auto& r : rs) m[r.series] = r.value;
  return m;
}

TEST(HttpGet, FetchesChunkedAndPlainBodies) {
  GoExample ex("none");
  ASSERT_TRUE(ex.ready());
  auto h = http_get(ex.base() + "/healthz", 2s);
  ASSERT_TRUE(h) << h.message();
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(h->body, "ok\n");
  auto big = http_get(ex.base() + "/debug/pprof/heap?debug=1", 5s);  // streamed: chunked
  ASSERT_TRUE(big) << big.message();
  EXPECT_EQ(big->body.rfind("heap profile: ", 0), 0u);
  EXPECT_NE(big->body.find("# NumGC = "), std::string::npos);
  auto nf = http_get(ex.base() + "/nope", 2s);
  ASSERT_TRUE(nf);
  EXPECT_EQ(nf->status, 404);
}

TEST(HttpGet, ErrorsNameTheUrlAndReason) {
  auto refused = http_get("http://127.0.0.1:" + std::to_string(testing::free_port()) + "/x", 1s);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("127.0.0.1"), std::string::npos);
  EXPECT_NE(refused.message().find("refused"), std::string::npos) << refused.message();
  for (auto bad : {"http://", "http://h:0/", "http://[::1", "ftp://x"}) {
    auto r = http_get(bad, 1s);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.message().find(bad), std::string::npos) << r.message();
  }
}

TEST(HttpGet, TimesOutOnASilentServer) {
  // A listening socket that never answers (the backlog accepts the connect).
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(s, 4), 0);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  auto r = http_get("http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/", 300ms);
  close(s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("timed out"), std::string::npos) << r.message();
}

TEST(GoProbe, GoroutinesRiseInALeakMode) {
  GoExample ex("goroutine");
  ASSERT_TRUE(ex.ready());
  auto probes = make_go_probes(ProbeOptions{.go_url = ex.base()});
  ASSERT_TRUE(probes) << probes.message();
  ASSERT_EQ(probes->size(), 1u);
  Probe& p = *probes->front();
  EXPECT_EQ(p.name(), "go");
  EXPECT_EQ(p.interval(), 5s);  // not every second by default: pprof stops the world
  auto before = p.sample(Target{});
  ASSERT_TRUE(before) << before.message();
  ex.hit(50);
  auto after = p.sample(Target{});
  ASSERT_TRUE(after) << after.message();
  auto b = by_series(*before), a = by_series(*after);
  // 50 blocked senders; a connection goroutine may come or go meanwhile
  EXPECT_NEAR(a.at("goroutines") - b.at("goroutines"), 50, 2);
  EXPECT_GT(a.at("go_heap_alloc_bytes"), 0);
  EXPECT_GE(a.at("go_gc_cycles"), b.at("go_gc_cycles"));
  EXPECT_GT(a.at("probe_go_latency_ms"), 0);
  for (auto& [name, v] : a) {
    auto s = p.series();
    EXPECT_NE(std::find(s.begin(), s.end(), name), s.end()) << name << " not declared in series()";
  }
}

// Samples back to back until the duty cycle skips one; the wall time the
// taken ones reported, and the wall time all of it took.
struct BackToBack {
  int taken = 0;
  double latency_ms = 0, last_ms = 0, elapsed_ms = 0;
};
BackToBack sample_until_skipped(Probe& p, int limit = 2000) {
  BackToBack b;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < limit; ++i) {
    auto r = p.sample(Target{});
    EXPECT_TRUE(r) << r.message();
    if (!r || r->empty()) break;  // skipped: no readings and no error
    ++b.taken;
    b.last_ms = by_series(*r).at("probe_go_latency_ms");
    b.latency_ms += b.last_ms;
  }
  b.elapsed_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return b;
}

TEST(GoProbe, KeepsItsDutyCycleBelowOnePercent) {
  GoExample ex("none");
  ASSERT_TRUE(ex.ready());
  GoProbe p(*parse_url(ex.base()), 1s);
  // Back to back, the probe spends its burst allowance, then skips: over
  // that window its wall time is at most 1 % of it + the burst + one sample.
  const double burst_ms = std::chrono::duration<double, std::milli>(GoProbe::kDutyBurst).count();
  BackToBack b = sample_until_skipped(p);
  ASSERT_GT(b.taken, 1);
  EXPECT_GE(b.latency_ms, burst_ms);
  EXPECT_LE(b.latency_ms, burst_ms + b.elapsed_ms / GoProbe::kDutyFactor + b.last_ms + 1);
  // In debt by at most the last sample: once it is paid off (100x that) it
  // samples again.
  std::vector<Reading> next;
  EXPECT_TRUE(testing::wait_until(
      [&] {
        auto r = p.sample(Target{});
        EXPECT_TRUE(r) << r.message();
        if (r) next = *r;
        return r && !r->empty();
      },
      30));
  EXPECT_TRUE(by_series(next).count("goroutines"));
}

TEST(GoProbe, AnIntervalTheUserGaveIsKeptExactly) {
  GoExample ex("none");
  ASSERT_TRUE(ex.ready());
  auto probes = make_go_probes(ProbeOptions{.go_url = ex.base(), .go_interval = 200ms});
  ASSERT_TRUE(probes) << probes.message();
  Probe& p = *probes->front();
  EXPECT_EQ(p.interval(), 200ms);
  auto first = p.sample(Target{});
  ASSERT_TRUE(first) << first.message();
  auto second = p.sample(Target{});  // at once: no duty-cycle skip
  ASSERT_TRUE(second) << second.message();
  EXPECT_TRUE(by_series(*second).count("goroutines"));
}

TEST(GoProbe, DefaultIntervalAdaptsToTheRunLength) {
  EXPECT_EQ(GoProbe::default_interval(1s, 40s), 1s);     // 40 samples in a 40 s run
  EXPECT_EQ(GoProbe::default_interval(1s, 2min), 3s);
  EXPECT_EQ(GoProbe::default_interval(1s, 2h), 5s);      // long runs keep the cheap 5 s
  EXPECT_EQ(GoProbe::default_interval(10s, 40s), 10s);   // never faster than --interval
  EXPECT_EQ(GoProbe::default_interval(200ms, 10s), 250ms);
  EXPECT_EQ(GoProbe::default_interval(1s), 5s);          // duration unknown
  EXPECT_EQ(GoProbe::default_live_heap_every(1s, 60s), 5s);
  EXPECT_EQ(GoProbe::default_live_heap_every(1s, 10s), 5s);
  EXPECT_EQ(GoProbe::default_live_heap_every(1s, 4min), 12s);
  EXPECT_EQ(GoProbe::default_live_heap_every(5s, 2h), 6min);
  EXPECT_EQ(GoProbe::default_live_heap_every(5s, Duration{}), Duration{});
}

TEST(GoProbe, TheAdaptiveDefaultKeepsTheDutyCycle) {
  GoExample ex("none");
  ASSERT_TRUE(ex.ready());
  auto probes = make_go_probes(ProbeOptions{.go_url = ex.base(), .duration = 40s});
  ASSERT_TRUE(probes) << probes.message();
  Probe& p = *probes->front();
  EXPECT_EQ(p.interval(), 1s);
  BackToBack b = sample_until_skipped(p);  // the limit still holds
  EXPECT_GT(b.taken, 0);
  EXPECT_LT(b.taken, 2000);
}

TEST(GoProbe, AForcedGcReadsTheLiveHeap) {
  GoExample ex("cache");  // every /work retains 16 KiB (and drops 64 KiB of garbage)
  ASSERT_TRUE(ex.ready());
  ex.hit(20);
  GoProbe p(*parse_url(ex.base()), 1s, /*duty_factor=*/0, /*live_heap_every=*/1h);
  auto declared = p.series();
  EXPECT_NE(std::find(declared.begin(), declared.end(), "go_heap_live_bytes"), declared.end());
  auto first = p.sample(Target{});  // the first sample is a forced-GC reading
  ASSERT_TRUE(first) << first.message();
  auto a = by_series(*first);
  ASSERT_TRUE(a.count("go_heap_live_bytes"));
  EXPECT_TRUE(a.count("goroutines"));
  EXPECT_DOUBLE_EQ(a.at("go_heap_live_bytes"), a.at("go_heap_alloc_bytes"));  // HeapAlloc right after the GC
  auto plain = p.sample(Target{});  // within the hour: expvar, no GC
  ASSERT_TRUE(plain) << plain.message();
  EXPECT_FALSE(by_series(*plain).count("go_heap_live_bytes"));
  EXPECT_EQ(by_series(*plain).at("go_gc_cycles"), a.at("go_gc_cycles"));
  ex.hit(200);  // 200 * 16 KiB = 3.125 MiB more retained, 12.5 MiB of garbage
  GoProbe q(*parse_url(ex.base()), 1s, 0, 1h);
  auto second = q.sample(Target{});
  ASSERT_TRUE(second) << second.message();
  auto b = by_series(*second);
  EXPECT_GT(b.at("go_gc_cycles"), a.at("go_gc_cycles"));
  // The garbage is gone, the cache is not: the live heap rose by what was
  // retained (and the map's growth), not by the garbage.
  EXPECT_NEAR(b.at("go_heap_live_bytes") - a.at("go_heap_live_bytes"), 3.125 * 1048576, 1.0 * 1048576);
  // Under gctrace the trace line of the forced GC is the reading instead.
  GoProbe r(*parse_url(ex.base()), 1s, 0, 1h, /*live_heap_series=*/false);
  auto r_declared = r.series();
  EXPECT_EQ(std::find(r_declared.begin(), r_declared.end(), "go_heap_live_bytes"), r_declared.end());
  auto third = r.sample(Target{});
  ASSERT_TRUE(third) << third.message();
  EXPECT_FALSE(by_series(*third).count("go_heap_live_bytes"));
  EXPECT_GT(by_series(*third).at("go_gc_cycles"), b.at("go_gc_cycles"));
}

TEST(GoProbe, HealthyTwinKeepsGoroutinesFlat) {
  GoExample ex("goroutine-fixed");
  ASSERT_TRUE(ex.ready());
  GoProbe p(*parse_url(ex.base()), 1s, /*duty_factor=*/0);
  ex.hit(5);
  auto before = p.sample(Target{});
  ASSERT_TRUE(before);
  ex.hit(50);
  // The buffered senders finish on their own: back to the level before (a
  // leak would stay 50 above it until the deadline).
  double after = 0;
  EXPECT_TRUE(testing::wait_until(
      [&] {
        auto r = p.sample(Target{});
        if (r) after = by_series(*r).at("goroutines");
        return r && after <= by_series(*before).at("goroutines") + 1;
      },
      10))
      << "goroutines " << after << " after, " << by_series(*before).at("goroutines") << " before";
}

TEST(GoProbe, CapturesProfilesThatNameTheCulprit) {
  GoExample ex("ticker");
  ASSERT_TRUE(ex.ready());
  GoProbe p(*parse_url(ex.base()), 1s);
  testing::TempDir d;
  ASSERT_TRUE(p.capture(d / "profiles", "warmup_end"));
  ex.hit(40);
  // A goroutine just created, not yet run, has another stack (the function's
  // entry line) than the parked ones: capture again until all 40 parked.
  std::vector<Culprit> cs;
  EXPECT_TRUE(testing::wait_until(
      [&] {
        EXPECT_TRUE(p.capture(d / "profiles", "end"));
        cs = find_culprits(d / "profiles");
        return !cs.empty() && cs[0].after - cs[0].before == 40;
      },
      30));
  for (auto f : {"warmup_end-goroutine.txt", "warmup_end-heap.txt", "end-goroutine.txt", "end-heap.txt"})
    EXPECT_TRUE(std::filesystem::exists(d / "profiles" / f)) << f;
  ASSERT_FALSE(cs.empty());
  EXPECT_EQ(cs[0].function, "main.tickForever");
  EXPECT_EQ(cs[0].after - cs[0].before, 40);
}

TEST(GoProbe, UnreachableEndpointIsAProbeError) {
  GoProbe p(*parse_url("http://127.0.0.1:" + std::to_string(testing::free_port())), 1s);
  auto r = p.sample(Target{});
  // Before the first success a refused connection is the SUT still starting:
  // no readings and no error, for the startup grace only.
  ASSERT_TRUE(r) << r.message();
  EXPECT_TRUE(r->empty());
  ConnectGrace none(0s);
  EXPECT_FALSE(none.forgive(make_error("http://127.0.0.1:1/: connect: Connection refused")));
  ConnectGrace grace(60s);
  EXPECT_TRUE(grace.forgive(make_error("http://127.0.0.1:1/: connect: Connection refused")));
  EXPECT_FALSE(grace.forgive(make_error("http://127.0.0.1:1/: timed out waiting for the response")));
  grace.succeeded();
  EXPECT_FALSE(grace.forgive(make_error("http://127.0.0.1:1/: connect: Connection refused")));
}

TEST(GoProbe, EndpointErrorsAreProbeErrors) {
  std::unique_ptr<GoProbe> p;
  {
    GoExample gone("none");
    ASSERT_TRUE(gone.ready());
    p = std::make_unique<GoProbe>(*parse_url(gone.base()), 1s, /*duty_factor=*/0);
    ASSERT_TRUE(p->sample(Target{}));
  }
  // Once it answered, an endpoint that goes away is an error naming it.
  auto r = p->sample(Target{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.message().rfind("go: ", 0), 0u) << r.message();
  EXPECT_NE(r.message().find("refused"), std::string::npos) << r.message();
  testing::TempDir d;
  EXPECT_FALSE(p->capture(d.path(), "end"));
  // a server without pprof: HTTP 404 named
  GoExample ex("none");
  ASSERT_TRUE(ex.ready());
  GoProbe wrong(*parse_url(ex.base() + "/nothing-here"), 1s);
  auto w = wrong.sample(Target{});
  ASSERT_FALSE(w);
  EXPECT_NE(w.message().find("HTTP 404"), std::string::npos) << w.message();
}

TEST(MetricsProbe, ScrapesTheExampleAndMapsGoroutines) {
  GoExample ex("goroutine");
  ASSERT_TRUE(ex.ready());
  auto probes = make_go_probes(ProbeOptions{.metrics_url = ex.base() + "/metrics"});
  ASSERT_TRUE(probes) << probes.message();
  ASSERT_EQ(probes->size(), 1u);
  Probe& p = *probes->front();
  EXPECT_EQ(p.name(), "metrics");
  auto before = p.sample(Target{});
  ASSERT_TRUE(before) << before.message();
  ex.hit(30);
  auto after = p.sample(Target{});
  ASSERT_TRUE(after) << after.message();
  auto b = by_series(*before), a = by_series(*after);
  EXPECT_NEAR(a.at("goroutines") - b.at("goroutines"), 30, 2);  // mapped from go_goroutines
  EXPECT_EQ(a.at("goroutines"), a.at("prom:go_goroutines"));
  EXPECT_EQ(a.at("prom:soak_example_requests_total{mode=\"goroutine\"}"), 30);
  EXPECT_EQ(a.count("rss_bytes"), 0u);  // the process probe is the source of rss
  EXPECT_EQ(a.count("prom:go_gc_duration_seconds{quantile=\"0.5\"}"), 0u);
  auto wrong = make_go_probes(ProbeOptions{.metrics_url = ex.base() + "/nope"});
  auto w = wrong->front()->sample(Target{});
  ASSERT_FALSE(w);
  EXPECT_NE(w.message().find("HTTP 404"), std::string::npos) << w.message();
  auto notprom = make_go_probes(ProbeOptions{.metrics_url = ex.base() + "/debug/pprof/goroutine?debug=1"});
  EXPECT_FALSE(notprom->front()->sample(Target{}));
}

TEST(GoProbes, OneProducerPerSeries) {
  auto probes = make_go_probes(ProbeOptions{.go_url = "http://127.0.0.1:1", .duration = 60s, .gctrace = true,
                                            .metrics_url = "http://127.0.0.1:1/metrics"});
  ASSERT_TRUE(probes) << probes.message();
  std::map<std::string, int> producers;
  for (auto& p : *probes)
    for (auto& s : p->series()) ++producers[s];
  for (auto& [s, n] : producers) EXPECT_EQ(n, 1) << s << " has " << n << " producers";
  EXPECT_EQ(producers.count("go_heap_live_bytes"), 1u);
  auto alone = make_go_probes(ProbeOptions{.gctrace = true});
  auto s = alone->front()->series();
  EXPECT_NE(std::find(s.begin(), s.end(), "go_gc_cycles"), s.end());  // gctrace is the source then
  // Without gctrace the go probe's forced-GC readings are the live heap;
  // --go-live-heap off: no live heap at all.
  auto go = make_go_probes(ProbeOptions{.go_url = "http://127.0.0.1:1", .duration = 60s});
  auto gs = go->front()->series();
  EXPECT_NE(std::find(gs.begin(), gs.end(), "go_heap_live_bytes"), gs.end());
  auto off = make_go_probes(ProbeOptions{.go_url = "http://127.0.0.1:1", .duration = 60s, .go_live_heap = Duration{}});
  auto os = off->front()->series();
  EXPECT_EQ(std::find(os.begin(), os.end(), "go_heap_live_bytes"), os.end());
}

TEST(GoProbes, BadUrlsNameTheFlag) {
  auto a = make_go_probes(ProbeOptions{.go_url = "localhost:8080"});
  ASSERT_FALSE(a);
  EXPECT_EQ(a.message().rfind("--go \"localhost:8080\"", 0), 0u) << a.message();
  auto b = make_go_probes(ProbeOptions{.metrics_url = "http://h:x/metrics"});
  ASSERT_FALSE(b);
  EXPECT_EQ(b.message().rfind("--metrics ", 0), 0u) << b.message();
  auto none = make_go_probes(ProbeOptions{});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(GcTraceProbe, ParsesARealGctraceRun) {
  GoExample ex("sawtooth");
  ASSERT_TRUE(ex.ready());
  GcTraceProbe p(100ms);
  std::thread load([&] { ex.hit(100); });  // 100 * 1 MiB of garbage: many GCs
  std::string buf;
  char tmp[4096];
  double t = 0;
  fcntl(ex.stderr_fd(), F_SETFL, O_NONBLOCK);
  std::vector<Reading> got;
  EXPECT_TRUE(testing::wait_until(
      [&] {
        ssize_t n = read(ex.stderr_fd(), tmp, sizeof tmp);
        if (n > 0) buf.append(tmp, static_cast<size_t>(n));
        for (size_t nl; (nl = buf.find('\n')) != std::string::npos; buf.erase(0, nl + 1)) {
          p.on_line(std::string_view(buf).substr(0, nl), true, t += 0.01);
          p.on_line(std::string_view(buf).substr(0, nl), false, t);  // stdout is ignored
        }
        auto r = p.sample(Target{});
        EXPECT_TRUE(r) << r.message();
        if (r) got.insert(got.end(), r->begin(), r->end());
        return got.size() >= 30;
      },
      60));
  load.join();
  ASSERT_GE(got.size(), 30u);
  double last_cycle = 0;
  for (auto& r : got) {
    ASSERT_TRUE(r.t);
    if (r.series == "go_gc_cycles") {
      EXPECT_EQ(r.value, last_cycle + 1);  // every GC seen once, in order
      last_cycle = r.value;
    } else if (r.series == "go_heap_live_bytes") {
      EXPECT_GE(r.value, 0);
      EXPECT_LT(r.value, 64.0 * 1048576);  // sawtooth: live heap stays small
      EXPECT_EQ(std::fmod(r.value, 1048576.0), 0);  // whole MiB
    } else {
      EXPECT_EQ(r.series, "go_gc_cpu_fraction");
    }
  }
  auto rest = p.sample(Target{});  // every line fed was drained above
  ASSERT_TRUE(rest) << rest.message();
  EXPECT_TRUE(rest->empty());
}

TEST(GcTraceProbe, DropsWhenNobodyDrainsAndSaysSo) {
  GcTraceProbe p(1s, /*max_pending=*/6);
  for (int i = 1; i <= 5; ++i)
    p.on_line("gc " + std::to_string(i) + " @1s 0%: 0+0+0 ms clock, 0+0/0/0+0 ms cpu, 4->4->1 MB, 5 MB goal, 2 P",
              true, i);
  auto r = p.sample(Target{});
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("dropped"), std::string::npos);
  auto again = p.sample(Target{});
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
}

}  // namespace
}  // namespace soak
