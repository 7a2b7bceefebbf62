// The shared page of soak's allocation shim (libsoakheap.so): one 4 KiB file
// per process, <SOAK_HEAP_DIR>/<pid>.page, mmap'd MAP_SHARED by the shim
// (writer of the counts) and read by the harness's native_heap probe. The
// harness also writes dump requests into it (signal-free: a sequence number
// a shim thread waits on with a futex). Header-only, no library
// dependencies: the shim includes it too. docs/native-heap.md describes it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace soak::heap_page {

constexpr uint64_t kMagic = 0x5041454848414f53ULL;  // "SOAKHEAP" little-endian
constexpr uint32_t kVersion = 1;
constexpr size_t kPageSize = 4096;
constexpr size_t kDumpPathMax = 1024;

/// Environment of a process the shim is preloaded into.
constexpr const char* kDirEnv = "SOAK_HEAP_DIR";              // where <pid>.page goes
constexpr const char* kSampleEnv = "SOAK_HEAP_SAMPLE_BYTES";  // mean bytes between samples; 0 = none

struct alignas(64) Page {
  // Written once by the shim before the file is renamed into place.
  uint64_t magic;
  uint32_t version;
  int32_t pid;
  uint64_t start_ticks;      // /proc/PID/stat field 22: tells a reused pid apart
  uint64_t sample_interval;  // mean bytes between sampled allocations (0: no sampling)
  int32_t parent_pid;        // the process it was forked from (0: started by exec)
  uint32_t reserved0;
  // Counts, updated by the shim (flushed per-thread batches).
  alignas(64) std::atomic<int64_t> live_bytes;  // sum of malloc_usable_size of live blocks
  std::atomic<int64_t> live_allocs;             // live blocks
  std::atomic<uint64_t> total_allocs;           // blocks ever allocated (a counter)
  std::atomic<uint64_t> samples;                // allocations ever sampled
  std::atomic<uint64_t> samples_dropped;        // sampled but the site table was full
  // Dump requests: the harness writes dump_path, then increments request_seq
  // and wakes the futex; the shim writes "<dump_path>.<pid>" (via a temporary
  // file and rename), stores the result in dump_errno and sets done_seq.
  alignas(64) std::atomic<uint32_t> request_seq;
  std::atomic<uint32_t> done_seq;
  std::atomic<int32_t> dump_errno;  // 0 = written
  char dump_path[kDumpPathMax];
};

static_assert(sizeof(Page) <= kPageSize, "the page is one 4 KiB page");
static_assert(std::atomic<int64_t>::is_always_lock_free, "shared across processes");
static_assert(std::atomic<uint32_t>::is_always_lock_free, "shared across processes");

}  // namespace soak::heap_page
