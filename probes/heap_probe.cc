#include "probes/heap_probe.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string_view>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "common/posix.h"
#include "probes/heap_profile.h"
#include "shim/heap_page.h"

namespace soak {

namespace fs = std::filesystem;

namespace {

// The pid of a "<pid>.page" name; 0 for anything else.
pid_t page_pid(std::string_view name) {
  constexpr std::string_view kSuffix = ".page";
  if (!name.ends_with(kSuffix) || name.size() == kSuffix.size()) return 0;
  long v = 0;
  for (char ch : name.substr(0, name.size() - kSuffix.size())) {
    if (ch < '0' || ch > '9' || v > INT_MAX / 10) return 0;
    v = v * 10 + (ch - '0');
  }
  return static_cast<pid_t>(v);
}

// A live page: its pid runs, is not a zombie, and started when the page says.
// Stale pages are removed.
bool page_is_live(const fs::path& file, const heap_page::Page& page, ProcReader& proc) {
  auto st = proc.stat(page.pid);
  if (!st || !*st || (page.start_ticks != 0 && (*st)->starttime_ticks != page.start_ticks)) {
    if (st) ::unlink(file.c_str());  // gone or pid reused (not: unreadable /proc)
    return false;
  }
  return (*st)->state != 'Z' && (*st)->state != 'X';
}

template <typename F>
Status for_each_page(const fs::path& dir, F&& f) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return make_error(fmt::format("{}: {}", dir.string(), ec.message()));
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return make_error(fmt::format("{}: {}", dir.string(), ec.message()));
    pid_t pid = page_pid(it->path().filename().native());
    if (pid > 0) f(it->path(), pid);
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<HeapPageCounts>> read_heap_pages(const fs::path& dir, ProcReader& proc) {
  std::vector<HeapPageCounts> out;
  auto st = for_each_page(dir, [&](const fs::path& file, pid_t pid) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;  // renamed away or removed meanwhile
    alignas(heap_page::Page) unsigned char buf[sizeof(heap_page::Page)];
    ssize_t n = ::pread(fd, buf, sizeof buf, 0);
    ::close(fd);
    const auto* page = reinterpret_cast<const heap_page::Page*>(buf);
    if (n != static_cast<ssize_t>(sizeof buf) || page->magic != heap_page::kMagic ||
        page->version != heap_page::kVersion || page->pid != pid)
      return;
    if (!page_is_live(file, *page, proc)) return;
    HeapPageCounts c;
    c.pid = pid;
    c.parent_pid = page->parent_pid;
    c.live_bytes = page->live_bytes.load(std::memory_order_relaxed);
    c.live_allocs = page->live_allocs.load(std::memory_order_relaxed);
    c.total_allocs = page->total_allocs.load(std::memory_order_relaxed);
    c.samples = page->samples.load(std::memory_order_relaxed);
    c.sample_interval = page->sample_interval;
    out.push_back(c);
  });
  if (!st) return st.error();
  return out;
}

Result<std::vector<fs::path>> request_heap_dumps(const fs::path& dir, const fs::path& prefix, Duration timeout,
                                                 ProcReader& proc) {
  if (prefix.native().size() >= heap_page::kDumpPathMax)
    return make_error(fmt::format("{}: path too long for a dump request", prefix.string()));
  struct Pending {
    heap_page::Page* page;
    uint32_t seq;
    fs::path out;
  };
  std::vector<Pending> pending;
  auto st = for_each_page(dir, [&](const fs::path& file, pid_t pid) {
    int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return;
    void* m = ::mmap(nullptr, heap_page::kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (m == MAP_FAILED) return;
    auto* page = static_cast<heap_page::Page*>(m);
    if (page->magic != heap_page::kMagic || page->pid != pid || !page_is_live(file, *page, proc)) {
      ::munmap(m, heap_page::kPageSize);
      return;
    }
    std::memset(page->dump_path, 0, sizeof page->dump_path);
    std::memcpy(page->dump_path, prefix.c_str(), prefix.native().size());
    uint32_t seq = page->request_seq.load(std::memory_order_relaxed) + 1;
    page->request_seq.store(seq, std::memory_order_release);
    ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&page->request_seq), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
    pending.push_back({page, seq, fs::path(prefix.native() + "." + std::to_string(pid))});
  });
  if (!st) return st.error();
  std::vector<fs::path> written;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& p : pending) {
    // The shim wakes done_seq's futex when it has written the dump (a shared
    // futex: the page is a shared mapping); wait on it, a slice at a time.
    for (uint32_t done; (done = p.page->done_seq.load(std::memory_order_acquire)) != p.seq;) {
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= Duration::zero()) break;
      auto slice = std::min<Duration>(left, std::chrono::milliseconds(50));
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(slice).count();
      timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
      ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&p.page->done_seq), FUTEX_WAIT, done, &ts, nullptr, 0);
    }
    if (p.page->done_seq.load(std::memory_order_acquire) == p.seq && p.page->dump_errno.load() == 0)
      written.push_back(p.out);
    ::munmap(p.page, heap_page::kPageSize);
  }
  return written;
}

namespace {

class NativeHeapProbe final : public Probe, public ProfileCapturer {
 public:
  NativeHeapProbe(fs::path dir, Duration interval) : dir_(std::move(dir)), interval_(interval) {}

  std::string_view name() const override { return "native_heap"; }
  Duration interval() const override { return interval_; }
  std::vector<std::string> series() const override { return {"heap_bytes", "heap_allocs"}; }

  Result<std::vector<Reading>> sample(const Target&) override {
    auto pages = read_heap_pages(dir_, proc_);
    if (!pages) return pages.error();
    ++samples_;
    if (pages->empty()) {
      // The first samples may come before the SUT's loader ran the shim.
      if (samples_ <= 3) return std::vector<Reading>{};
      return make_error(fmt::format("no process of the SUT publishes a heap page in {}: the shim was not loaded "
                                    "(a set-uid program ignores LD_PRELOAD) or the SUT ended",
                                    dir_.string()));
    }
    double bytes = 0, allocs = 0;
    for (const auto& p : *pages) {
      bytes += static_cast<double>(p.live_bytes);
      allocs += static_cast<double>(p.live_allocs);
    }
    return std::vector<Reading>{{"heap_bytes", bytes, std::nullopt}, {"heap_allocs", allocs, std::nullopt}};
  }

  Status capture(const fs::path& dir, std::string_view label) override {
    std::error_code ec;
    fs::create_directories(dir, ec);
    fs::path prefix = dir_ / (std::string(label) + ".sites");
    auto files = request_heap_dumps(dir_, prefix, std::chrono::seconds(5), proc_);
    if (!files) return files.error();
    if (files->empty()) return make_error("no process of the SUT answered the dump request within 5 s");
    auto st = write_heap_profile(*files, dir / (std::string(label) + "-native-heap.txt"));
    for (const auto& f : *files) fs::remove(f, ec);
    return st;
  }

 private:
  fs::path dir_;
  Duration interval_;
  ProcReader proc_;
  long samples_ = 0;
};

}  // namespace

std::unique_ptr<Probe> make_native_heap_probe(const fs::path& page_dir, Duration interval) {
  return std::make_unique<NativeHeapProbe>(page_dir, interval);
}

}  // namespace soak
