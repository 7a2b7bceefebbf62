// Culprits: compare profiles captured at warm-up end and at the end (Go
// goroutine and heap profiles, native heap profiles of the allocation shim).
#pragma once

#include <filesystem>
#include <vector>

#include "common/summary.h"

namespace soak {

/// Reads the goroutine and heap profiles under `profiles_dir` (as written by
/// the Go probe's ProfileCapturer) and the native heap profiles (the
/// native_heap probe's) and returns the stacks and allocation sites that grew
/// most, largest growth first within each kind. Empty when there are none.
std::vector<Culprit> find_culprits(const std::filesystem::path& profiles_dir, size_t top_n = 10);

}  // namespace soak
