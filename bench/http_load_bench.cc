// The built-in HTTP load generator against wrk, side by side, on the native
// example service (examples/native/leaky_server --leak none):
//   - maximum throughput and CPU seconds per 100k requests, closed loop,
//     one load thread and 8 connections each (soak vs `wrk -t1 -c8`);
//   - the achieved-rate error of the open model at 1k, 10k and 50k req/s.
// Then TLS against plain HTTP, side by side in one process (issue 12: the
// load over TLS reaches >= 0.8x its plain-HTTP throughput): the same Beast
// server (tests/testing/http_test_server, one thread) on two ports, plain
// and TLS (a self-signed P-256 certificate made now and trusted through
// SSL_CERT_FILE, so certificates are checked as for a user), loaded closed
// loop at maximum throughput by one load thread and 8 keep-alive
// connections, in 10 alternating rounds (plain first in odd rounds, TLS first in
// even ones); it prints each round, the medians and the ratio TLS/plain, and
// a TLS row with a new connection every 100 requests (session resumption).
// A driver, not a Google Benchmark suite: it prints tables.
//
//   http_load_bench [--seconds N] [--url http://127.0.0.1:PORT/api] [--tls] [--rounds N]
//     --tls: only the TLS/plain comparison (--seconds per row, default 2 there; --rounds, default 10)
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <fmt/format.h>

#include "tests/testing/http_test_server.h"
#include "tests/testing/testing.h"
#include "workloads/http_config.h"
#include "workloads/http_engine.h"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double cpu_seconds(const rusage& r) {
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

double self_cpu() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return cpu_seconds(r);
}

int free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

bool wait_port(int port) {
  for (int i = 0; i < 500; ++i) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket s(io);
    boost::system::error_code ec;
    s.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)}, ec);
    if (!ec) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// A child process; stdout captured to `out` when asked. Killed on scope exit.
struct Child {
  pid_t pid = -1;
  int out_fd = -1;
  Child(const std::vector<std::string>& args, bool capture) {
    std::vector<std::string> a = args;
    std::vector<char*> argv;
    for (auto& s : a) argv.push_back(s.data());
    argv.push_back(nullptr);
    int fds[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (capture && pipe(fds) == 0) {
      posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
      posix_spawn_file_actions_addclose(&fa, fds[0]);
    } else {
      posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    }
    if (posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    if (fds[1] >= 0) close(fds[1]);
    out_fd = fds[0];
  }
  std::string read_all() {
    std::string s;
    char buf[4096];
    ssize_t n;
    while (out_fd >= 0 && (n = read(out_fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
    return s;
  }
  // Waits; returns the child's CPU seconds.
  double wait_cpu() {
    int status = 0;
    rusage r{};
    wait4(pid, &status, 0, &r);
    pid = -1;
    return cpu_seconds(r);
  }
  ~Child() {
    if (out_fd >= 0) close(out_fd);
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  }
};

struct Row {
  std::string name;
  double target = 0;
  double achieved = 0;
  double cpu_per_100k = 0;
  uint64_t requests = 0, errors = 0, dropped = 0;
  std::optional<double> p50_ms, p99_ms;
};

struct TlsFigures {
  uint64_t connections = 0, handshakes = 0, resumed = 0;
  double load_thread_cpu_s = 0;  // CPU of the engine's own thread
};

// CPU seconds of each thread of this process, by thread id.
std::map<int, double> thread_cpu() {
  std::map<int, double> out;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream f(e.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    out[std::stoi(e.path().filename().string())] = (utime + stime) / tick;
  }
  return out;
}

Row run_builtin(const std::string& url, double seconds, std::optional<double> rate, uint64_t churn_every = 0,
                TlsFigures* tls = nullptr) {
  nlohmann::json http = {{"url", url}, {"connections", 8}};
  if (rate) http["rate"] = *rate;
  if (churn_every) http["churn_every"] = churn_every;
  auto cfg = soak::parse_http_load_config(http, "bench");
  if (!cfg) {
    fmt::print(stderr, "{}\n", cfg.message());
    std::exit(2);
  }
  if (rate) cfg->queue_limit = static_cast<uint64_t>(*rate);  // one second of backlog
  soak::HttpLoadEngine engine(*cfg, {.closed_loop = !rate.has_value()});
  double cpu0 = self_cpu();
  auto before = thread_cpu();
  if (auto s = engine.start(); !s.ok()) {
    fmt::print(stderr, "{}\n", s.message());
    std::exit(2);
  }
  std::this_thread::sleep_for(soak::from_seconds(seconds));
  double load_cpu = 0;  // the thread start() made
  for (const auto& [tid, cpu] : thread_cpu())
    if (!before.count(tid)) load_cpu += cpu;
  engine.stop();
  double cpu = self_cpu() - cpu0;
  auto c = engine.counters();
  auto h = engine.run_latency();
  Row r;
  r.name = rate ? fmt::format("soak open model {:.0f}/s", *rate) : "soak closed loop (max)";
  r.target = rate.value_or(0);
  r.requests = c.requests;
  r.errors = c.errors;
  r.dropped = c.dropped;
  r.achieved = static_cast<double>(c.requests) / soak::to_seconds(engine.elapsed());
  r.cpu_per_100k = c.requests ? cpu / static_cast<double>(c.requests) * 1e5 : 0;
  if (tls) *tls = {c.connections, c.tls_handshakes, c.tls_resumed, load_cpu};
  if (c.errors > 0) {
    fmt::print(stderr, "{}: {} errors (tls: {})\n", url, c.errors, engine.tls_error().value_or("-"));
    std::exit(1);
  }
  if (auto q = h.quantile(0.5)) r.p50_ms = static_cast<double>(q->count()) / 1e6;
  if (auto q = h.quantile(0.99)) r.p99_ms = static_cast<double>(q->count()) / 1e6;
  return r;
}

std::optional<Row> run_wrk(const std::string& url, double seconds) {
  if (access("/usr/bin/wrk", X_OK) != 0) {
    fmt::print("wrk not found at /usr/bin/wrk: skipping the wrk comparison\n");
    return std::nullopt;
  }
  Child wrk({"/usr/bin/wrk", "-t1", "-c8", fmt::format("-d{}s", static_cast<int>(std::ceil(seconds))), url}, true);
  std::string out = wrk.read_all();
  double cpu = wrk.wait_cpu();
  std::smatch m;
  Row r;
  r.name = "wrk -t1 -c8 (max)";
  if (std::regex_search(out, m, std::regex(R"((\d+) requests in ([\d.]+)(ms|s|m))"))) {
    r.requests = std::stoull(m[1]);
    double t = std::stod(m[2]) * (m[3] == "ms" ? 1e-3 : m[3] == "m" ? 60 : 1);
    r.achieved = static_cast<double>(r.requests) / t;
  }
  if (std::regex_search(out, m, std::regex(R"(Non-2xx or 3xx responses: (\d+))"))) r.errors = std::stoull(m[1]);
  r.cpu_per_100k = r.requests ? cpu / static_cast<double>(r.requests) * 1e5 : 0;
  if (r.requests == 0) fmt::print("wrk output not understood:\n{}\n", out);
  return r;
}

std::string opt_ms(std::optional<double> v) { return v ? fmt::format("{:.3f}", *v) : "-"; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The built-in load over TLS against the same server over plain HTTP.
int tls_comparison(double seconds, int rounds) {
  auto cert = soak::testing::make_test_cert();
  soak::testing::TempDir dir;
  soak::testing::write_file(dir / "ca.pem", cert.cert_pem);
  // Read by OpenSSL when the load's TLS context is made (first https use):
  // the certificate is checked, as for a user with a trusted CA.
  ::setenv("SSL_CERT_FILE", (dir / "ca.pem").c_str(), 1);
  soak::testing::HttpTestServer plain_srv;
  soak::testing::HttpTestServer tls_srv({.tls = true, .cert_pem = cert.cert_pem, .key_pem = cert.key_pem});
  const std::string plain = plain_srv.url("/api"), tls = tls_srv.url("/api");
  fmt::print("\nTLS against plain HTTP: the same server (tests/testing/http_test_server, one thread) at {} and {};\n"
             "closed loop, one load thread, 8 keep-alive connections, {} s per row, {} alternating rounds\n\n",
             plain, tls, seconds, rounds);
  fmt::print("| round | plain req/s | TLS req/s | TLS/plain | CPU us/req plain | TLS | load thread us/req plain | TLS | "
             "TLS handshakes |\n|---|---|---|---|---|---|---|---|---|\n");
  std::vector<double> p, t, ratio, pc, tc, lp, lt;
  for (int i = 1; i <= rounds; ++i) {
    TlsFigures f, fp;
    Row pr, tr;
    if (i % 2) {
      pr = run_builtin(plain, seconds, std::nullopt, 0, &fp);
      tr = run_builtin(tls, seconds, std::nullopt, 0, &f);
    } else {
      tr = run_builtin(tls, seconds, std::nullopt, 0, &f);
      pr = run_builtin(plain, seconds, std::nullopt, 0, &fp);
    }
    lp.push_back(fp.load_thread_cpu_s / static_cast<double>(pr.requests) * 1e6);
    lt.push_back(f.load_thread_cpu_s / static_cast<double>(tr.requests) * 1e6);
    p.push_back(pr.achieved);
    t.push_back(tr.achieved);
    ratio.push_back(tr.achieved / pr.achieved);
    // CPU of this process (load thread and server thread) per request.
    pc.push_back(pr.cpu_per_100k * 10);
    tc.push_back(tr.cpu_per_100k * 10);
    fmt::print("| {} | {:.0f} | {:.0f} | {:.2f}x | {:.1f} | {:.1f} | {:.1f} | {:.1f} | {} |\n", i, pr.achieved,
               tr.achieved, ratio.back(), pc.back(), tc.back(), lp.back(), lt.back(), f.handshakes);
  }
  double mp = median(p), mt = median(t);
  TlsFigures churn;
  Row c = run_builtin(tls, seconds, std::nullopt, 100, &churn);
  fmt::print("\nmedian plain {:.0f} req/s, median TLS {:.0f} req/s: TLS/plain {:.2f}x; median of the rounds' "
             "ratios {:.2f}x (target >= 0.8x)\n",
             mp, mt, mt / mp, median(ratio));
  fmt::print("CPU per request (load + server, one process): plain {:.1f} us, TLS {:.1f} us: plain/TLS {:.2f}x\n",
             median(pc), median(tc), median(pc) / median(tc));
  fmt::print("CPU per request of the load thread alone: plain {:.1f} us, TLS {:.1f} us: plain/TLS {:.2f}x\n",
             median(lp), median(lt), median(lp) / median(lt));
  fmt::print("TLS with a new connection every 100 requests: {:.0f} req/s ({:.2f}x median plain); {} handshakes, "
             "{} resumed\n",
             c.achieved, c.achieved / mp, churn.handshakes, churn.resumed);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<double> seconds_flag;
  std::string url;
  bool tls_only = false;
  int rounds = 10;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) seconds_flag = std::stod(argv[++i]);
    else if (a == "--url" && i + 1 < argc) url = argv[++i];
    else if (a == "--tls") tls_only = true;
    else if (a == "--rounds" && i + 1 < argc) rounds = std::max(1, std::stoi(argv[++i]));
    else {
      fmt::print(stderr,
                 "usage: http_load_bench [--seconds N] [--url http://127.0.0.1:PORT/api] [--tls] [--rounds N]\n");
      return 2;
    }
  }
  if (tls_only) return tls_comparison(seconds_flag.value_or(2), rounds);
  const double seconds = seconds_flag.value_or(5);
  std::optional<Child> server;
  if (url.empty()) {
    auto bin = std::filesystem::path(SOAK_BENCH_BUILD_DIR) / "examples/native/leaky_server";
    if (!std::filesystem::exists(bin)) {
      fmt::print(stderr, "{} is not built (ninja leaky_server), or pass --url\n", bin.string());
      return 2;
    }
    int port = free_port();
    server.emplace(std::vector<std::string>{bin.string(), "--host", "127.0.0.1", "--port", std::to_string(port),
                                            "--leak", "none"},
                   false);
    if (!wait_port(port)) {
      fmt::print(stderr, "leaky_server did not start on port {}\n", port);
      return 2;
    }
    url = fmt::format("http://127.0.0.1:{}/api", port);
  }
  fmt::print("target {}, {} s per row, 8 connections, one load thread\n\n", url, seconds);
  std::vector<Row> rows;
  rows.push_back(run_builtin(url, seconds, std::nullopt));
  if (auto w = run_wrk(url, seconds)) rows.push_back(*w);
  for (double rate : {1000.0, 10000.0, 50000.0}) rows.push_back(run_builtin(url, seconds, rate));

  fmt::print("| generator | target req/s | achieved req/s | rate error | CPU s / 100k req | requests | errors | dropped | p50 ms | p99 ms |\n");
  fmt::print("|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& r : rows) {
    std::string err = r.target > 0 ? fmt::format("{:+.2f} %", (r.achieved - r.target) / r.target * 100) : "-";
    fmt::print("| {} | {} | {:.0f} | {} | {:.3f} | {} | {} | {} | {} | {} |\n", r.name,
               r.target > 0 ? fmt::format("{:.0f}", r.target) : "max", r.achieved, err, r.cpu_per_100k, r.requests,
               r.errors, r.dropped, opt_ms(r.p50_ms), opt_ms(r.p99_ms));
  }
  if (rows.size() > 1 && rows[1].name.starts_with("wrk") && rows[1].achieved > 0) {
    fmt::print("\nsoak/wrk throughput: {:.2f}x; CPU per request soak/wrk: {:.2f}x\n",
               rows[0].achieved / rows[1].achieved, rows[0].cpu_per_100k / rows[1].cpu_per_100k);
  }
  return tls_comparison(std::min(seconds, 2.0), rounds);
}
