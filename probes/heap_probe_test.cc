// The allocation shim (libsoakheap.so) in real programs, read through the
// native heap probe's page reader: shim/soakheap_child runs with the shim
// preloaded and stops after each step, saying what it changed on the heap;
// the page must have changed by exactly that.
#include "probes/heap_probe.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "shim/heap_page.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

fs::path shim() { return testing::build_dir() / "libsoakheap.so"; }
fs::path child_program() { return testing::build_dir() / "shim" / "soakheap_child"; }

struct Step {
  int n = 0;
  long long bytes = 0, allocs = 0;
  pid_t pid = 0;
};

// Runs soakheap_child SCENARIO with the shim preloaded (through env(1), so
// the shim also sees an exec) and follows its steps.
class ShimChild {
 public:
  ShimChild(const TempDir& tmp, const std::string& scenario, const std::string& sample_bytes = "0")
      : pages_(tmp / "heap"), log_(tmp / (scenario + ".log")) {
    fs::create_directories(pages_);
    proc_ = std::make_unique<testing::Background>(
        std::vector<std::string>{"/usr/bin/env", "LD_PRELOAD=" + shim().string(), "SOAK_HEAP_DIR=" + pages_.string(),
                                 "SOAK_HEAP_SAMPLE_BYTES=" + sample_bytes, child_program().string(), scenario},
        log_);
  }
  ~ShimChild() {
    for (pid_t p : others_) ::kill(p, SIGKILL);
  }
  pid_t pid() const { return proc_->pid(); }
  const fs::path& pages() const { return pages_; }

  /// Waits until step `n` was announced and its process has stopped itself.
  Step wait_step(int n) {
    static const std::regex kLine(R"(step (\d+) bytes (-?\d+) allocs (-?\d+)(?: pid (\d+))?)");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string text = testing::read_file(log_);
      EXPECT_EQ(text.find("FAIL"), std::string::npos) << text;
      for (auto it = std::sregex_iterator(text.begin(), text.end(), kLine); it != std::sregex_iterator(); ++it) {
        if (std::stoi((*it)[1]) != n) continue;
        Step s{n, std::stoll((*it)[2]), std::stoll((*it)[3]), (*it)[4].matched ? std::stoi((*it)[4]) : pid()};
        if (s.pid != pid()) others_.insert(s.pid);
        auto st = proc_reader_.stat(s.pid);
        if (st && *st && (*st)->state == 'T') return s;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "step " << n << " did not come; output:\n" << testing::read_file(log_);
    return {};
  }
  void resume(const Step& s) { ::kill(s.pid, SIGCONT); }

  std::map<pid_t, HeapPageCounts> pages_now() {
    std::map<pid_t, HeapPageCounts> out;
    auto pages = read_heap_pages(pages_, proc_reader_);
    EXPECT_TRUE(pages) << pages.message();
    if (pages)
      for (const auto& p : *pages) out[p.pid] = p;
    return out;
  }
  HeapPageCounts page(pid_t pid) {
    auto all = pages_now();
    EXPECT_TRUE(all.count(pid)) << "no page for pid " << pid;
    return all[pid];
  }
  int wait_exit() { return proc_->wait(60); }

 private:
  fs::path pages_, log_;
  std::unique_ptr<testing::Background> proc_;
  std::set<pid_t> others_;
  ProcReader proc_reader_;
};

TEST(HeapShim, EveryAllocationFunctionIsCountedExactly) {
  TempDir tmp;
  ShimChild c(tmp, "api");
  Step s1 = c.wait_step(1);
  HeapPageCounts base = c.page(c.pid());
  EXPECT_GT(base.live_bytes, 0);  // the C++ runtime's own start-up allocations
  c.resume(s1);

  // malloc, calloc, realloc (NULL, grow, shrink), posix_memalign,
  // aligned_alloc (4 KiB), memalign, valloc, pvalloc, reallocarray, new[],
  // over-aligned new: usable sizes summed by the program itself.
  Step s2 = c.wait_step(2);
  HeapPageCounts after_alloc = c.page(c.pid());
  EXPECT_EQ(after_alloc.live_bytes - base.live_bytes, s2.bytes);
  EXPECT_EQ(after_alloc.live_allocs - base.live_allocs, s2.allocs);
  EXPECT_EQ(s2.allocs, 11);
  c.resume(s2);

  // realloc(p, 0) frees p.
  Step s3 = c.wait_step(3);
  HeapPageCounts after_realloc0 = c.page(c.pid());
  EXPECT_EQ(after_realloc0.live_bytes - after_alloc.live_bytes, s3.bytes);
  EXPECT_EQ(after_realloc0.live_allocs - after_alloc.live_allocs, -1);
  c.resume(s3);

  // Everything freed (free, delete[], aligned delete): back to the start.
  Step s4 = c.wait_step(4);
  HeapPageCounts end = c.page(c.pid());
  EXPECT_EQ(end.live_bytes, base.live_bytes);
  EXPECT_EQ(end.live_allocs, base.live_allocs);
  c.resume(s4);
  EXPECT_EQ(c.wait_exit(), 0);
}

TEST(HeapShim, ThreadsThatExitWithUnflushedBatchesAreCounted) {
  TempDir tmp;
  ShimChild c(tmp, "threads");
  Step s1 = c.wait_step(1);
  HeapPageCounts base = c.page(c.pid());
  c.resume(s1);
  // Each of 8 threads made 40 allocations (~2.5 KiB), far below the flush
  // thresholds, and exited: only the exit flush can have published them.
  Step s2 = c.wait_step(2);
  HeapPageCounts after = c.page(c.pid());
  EXPECT_EQ(s2.allocs, 320);
  EXPECT_EQ(after.live_allocs - base.live_allocs, s2.allocs);
  EXPECT_EQ(after.live_bytes - base.live_bytes, s2.bytes);
  c.resume(s2);
  EXPECT_EQ(c.wait_exit(), 0);
}

TEST(HeapShim, AForkedChildGetsItsOwnPageStartingFromItsParentsHeap) {
  TempDir tmp;
  ShimChild c(tmp, "fork");
  Step s1 = c.wait_step(1);
  c.resume(s1);
  Step s2 = c.wait_step(2);  // parent allocated 50,000 bytes, about to fork
  HeapPageCounts parent = c.page(c.pid());
  c.resume(s2);

  Step s3 = c.wait_step(3);  // the child allocated 30,000 bytes of its own
  ASSERT_NE(s3.pid, c.pid());
  HeapPageCounts child = c.page(s3.pid);
  EXPECT_EQ(child.parent_pid, c.pid());
  EXPECT_EQ(child.live_bytes, parent.live_bytes + s3.bytes);
  EXPECT_EQ(child.live_allocs, parent.live_allocs + 1);
  EXPECT_EQ(c.page(c.pid()).live_bytes, parent.live_bytes);  // the parent's page did not move
  c.resume(s3);

  Step s4 = c.wait_step(4);  // the child freed the block it inherited
  EXPECT_EQ(c.page(s3.pid).live_bytes, child.live_bytes + s4.bytes);
  EXPECT_EQ(c.page(c.pid()).live_bytes, parent.live_bytes);
  c.resume(s4);

  Step s5 = c.wait_step(5);  // the child has exited (_exit: no clean-up of its own)
  auto pages = c.pages_now();
  EXPECT_EQ(pages.count(s3.pid), 0u) << "the page of an exited process is dropped";
  EXPECT_FALSE(fs::exists(c.pages() / (std::to_string(s3.pid) + ".page")));
  EXPECT_EQ(pages[c.pid()].live_bytes, parent.live_bytes);
  c.resume(s5);
  EXPECT_EQ(c.wait_exit(), 0);
}

TEST(HeapShim, APageOfAReusedPidIsNotRead) {
  TempDir tmp;
  fs::create_directories(tmp / "heap");
  // A page claiming to be this test process but with another start time.
  auto self = ::getpid();
  std::string bytes(4096, '\0');
  heap_page::Page* page = reinterpret_cast<heap_page::Page*>(bytes.data());
  page->magic = heap_page::kMagic;
  page->version = heap_page::kVersion;
  page->pid = self;
  page->start_ticks = 1;  // not this process's
  page->live_bytes.store(123);
  testing::write_file(tmp / "heap" / (std::to_string(self) + ".page"), bytes);
  testing::write_file(tmp / "heap" / "junk.page", "x");
  ProcReader proc;
  auto pages = read_heap_pages(tmp / "heap", proc);
  ASSERT_TRUE(pages) << pages.message();
  EXPECT_TRUE(pages->empty());
  EXPECT_FALSE(fs::exists(tmp / "heap" / (std::to_string(self) + ".page")));
}

TEST(HeapShim, AMissingPageDirectoryIsAnErrorNamingIt) {
  ProcReader proc;
  auto pages = read_heap_pages("/nonexistent/heap", proc);
  ASSERT_FALSE(pages);
  EXPECT_THAT(pages.message(), ::testing::HasSubstr("/nonexistent/heap"));
}

}  // namespace
}  // namespace soak
