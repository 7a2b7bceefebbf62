// The native heap probe: reads the pages that soak's allocation shim
// (libsoakheap.so, preloaded by --native-heap) publishes, one per process of
// the SUT, and asks the shims for their sampled allocation sites.
// docs/native-heap.md.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "common/result.h"
#include "common/units.h"
#include "probes/probe.h"
#include "probes/proc.h"

namespace soak {

/// One process's page.
struct HeapPageCounts {
  pid_t pid = 0;
  pid_t parent_pid = 0;  // forked from (0: started by exec)
  int64_t live_bytes = 0;
  int64_t live_allocs = 0;
  uint64_t total_allocs = 0;
  uint64_t samples = 0;
  uint64_t sample_interval = 0;
};

/// Every page in `dir` of a process that is still running. Pages of
/// processes that are gone, or whose pid now belongs to another process
/// (start time differs), are removed; zombies' pages are skipped. Error only
/// when `dir` cannot be listed.
Result<std::vector<HeapPageCounts>> read_heap_pages(const std::filesystem::path& dir, ProcReader& proc);

/// Asks the shim of every live page in `dir` to write its live sampled sites
/// to "<prefix>.<pid>" and waits up to `timeout` for all of them. Returns the
/// files written; a process that did not answer in time is left out.
Result<std::vector<std::filesystem::path>> request_heap_dumps(const std::filesystem::path& dir,
                                                              const std::filesystem::path& prefix,
                                                              Duration timeout, ProcReader& proc);

/// heap_bytes and heap_allocs (sums over the SUT's processes) at
/// `interval`; as a ProfileCapturer it writes
/// PROFILES/<label>-native-heap.txt with the symbolised live sites.
std::unique_ptr<Probe> make_native_heap_probe(const std::filesystem::path& page_dir, Duration interval);

}  // namespace soak
