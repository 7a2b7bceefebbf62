// Native heap profiles: the shim's raw dumps of live sampled allocation
// sites (addresses and the process's modules) symbolised with libdw into
// PROFILES/<label>-native-heap.txt, and the sites whose live bytes grew
// between two of them (culprits). Symbolisation happens here, in the
// harness, never in the shim.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/summary.h"

namespace soak {

struct NativeFrame {
  std::string function;  // demangled, without parameters; "" when unknown
  std::string file;      // source file, "" without debug info
  int line = 0;
  std::string module;    // the ELF file the address lies in
};

struct NativeSite {
  double bytes = 0;  // estimated live bytes (sum of sample weights)
  long samples = 0;
  std::vector<NativeFrame> frames;  // innermost first, the shim's own frames left out
};

struct NativeHeapProfile {
  double sample_interval = 0;
  std::vector<NativeSite> sites;
};

/// Symbolises the shim's raw dumps (one per process) and writes their sites,
/// summed over processes, to `out` (via a temporary file and rename).
Status write_heap_profile(const std::vector<std::filesystem::path>& raw_dumps, const std::filesystem::path& out);

/// Parses a file write_heap_profile wrote.
Result<NativeHeapProfile> parse_heap_profile_text(const std::string& text);

/// The frame a person would fix: the first outside the shim, the C and C++
/// runtime libraries and std:: code (operator new, std::string, ...).
const NativeFrame* native_frame_of_interest(const std::vector<NativeFrame>& frames);

/// Sites whose estimated live bytes grew most from the profile text
/// `before` (may be empty: none) to `after`, largest growth first. A site is
/// the frame a person would fix, summed over the stacks that reach it (its
/// frames: those of its largest stack). A site is
/// named only when its growth exceeds the sampling noise: two mean intervals
/// and three standard deviations of the estimate (sqrt(R * bytes)). Kind
/// "native_heap"; function and location are the frame a person would fix
/// (native_frame_of_interest), location "file:line", or the module's name
/// without debug info.
std::vector<Culprit> native_heap_culprits(const std::string& before, const std::string& after, size_t top_n);

}  // namespace soak
