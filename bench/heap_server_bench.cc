// heap_server_bench: the native example (examples/native/leaky_server, no
// leak) under soak's built-in load at 2,000 req/s, with and without the
// allocation shim, in alternating rounds of the same run:
//
//   heap_server_bench [--rounds 5] [--seconds 20] [--rate 2000]
//
// Each round is two `soak run`s, --native-heap off and on (in alternating
// order), with the same budget heap=1MiB/h (with the shim: the smallest
// sampling interval, 16 KiB, the most stacks taken). Throughput and p99 latency come from each run's
// summary.json (workload.rate_per_s, workload.latency_ms.p99). Prints every
// round and the medians with the differences; judges nothing.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;

fs::path build_dir() { return SOAK_BENCH_BUILD_DIR; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Figures {
  double rate = 0, p99 = 0, interval = 0;
  bool ok = false;
};

Figures soak_server(bool shim, int seconds, int rate, const fs::path& out, int port) {
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  std::string cmd = "'" + (build_dir() / "soak").string() + "' run --style none --force --duration " +
                    std::to_string(seconds) + "s --out '" + out.string() + "' --ready " + base + "/healthz" +
                    " --workload " + base + "/api --rate " + std::to_string(rate) +
                    " --budget heap=1MiB/h --native-heap " + (shim ? "on" : "off") + " -- '" +
                    (build_dir() / "examples/native/leaky_server").string() + "' --port " + std::to_string(port) +
                    " >'" + (out.string() + ".log") + "' 2>&1";
  int rc = std::system(cmd.c_str());
  Figures f;
  std::ifstream in(out / "summary.json");
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("workload") || !j["workload"].is_object()) {
    std::fprintf(stderr, "heap_server_bench: soak run exited %d without workload figures; see %s.log\n", rc,
                 out.c_str());
    return f;
  }
  f.rate = j["workload"].value("rate_per_s", 0.0);
  const auto& lat = j["workload"]["latency_ms"];
  f.p99 = lat.is_object() && lat["p99"].is_number() ? lat["p99"].get<double>() : 0.0;
  std::ifstream run(out / "run.json");
  auto r = nlohmann::json::parse(run, nullptr, false);
  if (!r.is_discarded() && r.contains("native_heap")) f.interval = r["native_heap"].value("sample_interval_bytes", 0.0);
  f.ok = true;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5, seconds = 20, rate = 2000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--rounds" && i + 1 < argc) rounds = std::atoi(argv[++i]);
    else if (a == "--seconds" && i + 1 < argc) seconds = std::atoi(argv[++i]);
    else if (a == "--rate" && i + 1 < argc) rate = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: heap_server_bench [--rounds N] [--seconds S] [--rate R]\n");
      return 2;
    }
  }
  if (rounds < 1 || seconds < 5 || rate < 1) {
    std::fprintf(stderr, "heap_server_bench: --rounds >= 1, --seconds >= 5, --rate >= 1\n");
    return 2;
  }
  fs::path tmp = fs::temp_directory_path() / ("heap_server_bench." + std::to_string(::getpid()));
  fs::create_directories(tmp);
  int port = 20000 + static_cast<int>(::getpid() % 20000);

  std::vector<double> rate_on, rate_off, p99_on, p99_off, p99_ratio;
  double interval = 0;
  for (int r = 0; r < rounds; ++r) {
    // The order alternates too (off first in odd rounds, on first in even
    // ones), so a drift within a round favours neither.
    Figures off, on;
    if (r % 2 == 0) {
      off = soak_server(false, seconds, rate, tmp / "off", port);
      on = soak_server(true, seconds, rate, tmp / "on", port);
    } else {
      on = soak_server(true, seconds, rate, tmp / "on", port);
      off = soak_server(false, seconds, rate, tmp / "off", port);
    }
    if (!off.ok || !on.ok) continue;
    interval = on.interval;
    rate_off.push_back(off.rate);
    p99_off.push_back(off.p99);
    rate_on.push_back(on.rate);
    p99_on.push_back(on.p99);
    if (off.p99 > 0) p99_ratio.push_back(on.p99 / off.p99);
    std::printf("round %d: without shim %.1f req/s p99 %.3f ms | with shim %.1f req/s p99 %.3f ms\n", r + 1, off.rate,
                off.p99, on.rate, on.p99);
    std::fflush(stdout);
  }
  double ro = median(rate_off), rn = median(rate_on), po = median(p99_off), pn = median(p99_on);
  std::printf("leaky_server at %d req/s, %d s x %zu rounds (medians), shim sampling %.0f B:\n", rate, seconds,
              rate_on.size(), interval);
  std::printf("  throughput: without %.1f req/s, with %.1f req/s, difference %+.2f %%\n", ro, rn,
              ro > 0 ? 100 * (rn - ro) / ro : 0.0);
  std::printf("  p99 latency: without %.3f ms, with %.3f ms, difference %+.2f %%; median of the rounds' own "
              "with/without ratios %.3f\n",
              po, pn, po > 0 ? 100 * (pn - po) / po : 0.0, median(p99_ratio));
  std::error_code ec;
  fs::remove_all(tmp, ec);
  return rate_on.empty() ? 1 : 0;
}
