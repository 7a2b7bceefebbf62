// heap_shim_bench: what the allocation shim (libsoakheap.so) costs an
// allocation-heavy program. Every operation allocates: free a random slot of
// a pool of 1,000 live blocks and malloc 16 B - 4 KiB into it, plus a
// std::string (operator new/delete) every 16th operation; single thread.
//
//   heap_shim_bench [--rounds 7] [--ops 3000000]
//
// Each measurement is a child process (this program with --child), so glibc
// alone and the shim preloaded run the same binary side by side. Rounds
// alternate: glibc, shim counting only (SOAK_HEAP_SAMPLE_BYTES=0), shim with
// the default sampling interval (512 KiB, no memory budget), shim with the
// smallest interval soak derives (16 KiB: a tight budget over a short run).
// Prints the median ns per operation of each and its ratio to glibc; judges
// nothing.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

fs::path build_dir() { return SOAK_BENCH_BUILD_DIR; }

// The loop a child runs; prints ns per operation.
int child_loop(long ops) {
  std::mt19937_64 rng(42);
  std::vector<void*> pool(1000, nullptr);
  std::vector<size_t> sizes(4096), slots(4096);
  for (auto& s : sizes) s = 16 + rng() % 4081;
  for (auto& s : slots) s = rng() % pool.size();
  auto run = [&](long n) {
    for (long i = 0; i < n; ++i) {
      size_t k = slots[i & 4095];
      std::free(pool[k]);
      pool[k] = std::malloc(sizes[(i * 7) & 4095]);
      static_cast<volatile char*>(pool[k])[0] = 1;
      if ((i & 15) == 0) {
        std::string s(40 + (i & 63), 'x');  // operator new/delete
        asm volatile("" : : "r"(s.data()) : "memory");
      }
    }
  };
  run(ops / 10);  // warm the pool and the arena
  auto t0 = std::chrono::steady_clock::now();
  run(ops);
  double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() /
              static_cast<double>(ops);
  for (void* p : pool) std::free(p);
  std::printf("%.3f\n", ns);
  return 0;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Variant {
  const char* name;
  const char* sample_bytes;  // nullptr: no shim
};

double run_child(const std::string& self, long ops, const Variant& v, const fs::path& pages) {
  std::string cmd;
  if (v.sample_bytes)
    cmd = "/usr/bin/env 'LD_PRELOAD=" + (build_dir() / "libsoakheap.so").string() + "' 'SOAK_HEAP_DIR=" +
          pages.string() + "' SOAK_HEAP_SAMPLE_BYTES=" + v.sample_bytes + " ";
  cmd += "'" + self + "' --child " + std::to_string(ops);
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return 0;
  double ns = 0;
  if (std::fscanf(p, "%lf", &ns) != 1) ns = 0;
  ::pclose(p);
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 7;
  long ops = 3'000'000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--child" && i + 1 < argc) return child_loop(std::atol(argv[i + 1]));
    if (a == "--rounds" && i + 1 < argc) rounds = std::atoi(argv[++i]);
    else if (a == "--ops" && i + 1 < argc) ops = std::atol(argv[++i]);
    else {
      std::fprintf(stderr, "usage: heap_shim_bench [--rounds N] [--ops N]\n");
      return 2;
    }
  }
  if (rounds < 1 || ops < 1000) {
    std::fprintf(stderr, "heap_shim_bench: --rounds >= 1 and --ops >= 1000\n");
    return 2;
  }
  std::string self = fs::read_symlink("/proc/self/exe").string();
  fs::path pages = fs::temp_directory_path() / ("heap_shim_bench." + std::to_string(::getpid()));
  fs::create_directories(pages);

  const std::vector<Variant> variants = {{"glibc alone", nullptr},
                                         {"shim, counting only", "0"},
                                         {"shim, sampling 512 KiB (default)", "524288"},
                                         {"shim, sampling 16 KiB (minimum)", "16384"}};
  std::vector<std::vector<double>> ns(variants.size());
  for (int r = 0; r < rounds; ++r)
    for (size_t v = 0; v < variants.size(); ++v) ns[v].push_back(run_child(self, ops, variants[v], pages));

  std::printf("allocation loop: %ld ops per child, %d alternating rounds, medians\n", ops, rounds);
  double base = median(ns[0]);
  for (size_t v = 0; v < variants.size(); ++v) {
    double m = median(ns[v]);
    std::printf("  %-34s %8.2f ns/op  ratio %.3fx\n", variants[v].name, m, base > 0 ? m / base : 0.0);
  }
  std::error_code ec;
  fs::remove_all(pages, ec);
  return 0;
}
