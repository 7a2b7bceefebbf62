// --native-heap: whether soak preloads its allocation shim (libsoakheap.so)
// into the SUT, decided before launch from the SUT's executable (ELF), and
// what the launch adds to the SUT's environment. docs/native-heap.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/budget.h"
#include "common/result.h"
#include "common/units.h"

namespace soak {

enum class NativeHeapMode { kAuto, kOn, kOff };

/// "auto", "on", "off".
Result<NativeHeapMode> parse_native_heap_mode(std::string_view text);
std::string_view to_string(NativeHeapMode m);

/// What an executable is, as far as preloading goes.
struct ExecutableFacts {
  enum class Kind {
    kDynamic,   // dynamically linked (PT_INTERP): ld.so honours LD_PRELOAD
    kStatic,    // no program interpreter: nothing reads LD_PRELOAD
    kGo,        // a Go program (Go build id note or .go.buildinfo): Go does not allocate through malloc
    kNotNative  // not a 64-bit ELF executable (e.g. a script whose interpreter cannot be read)
  } kind = Kind::kNotNative;
  std::filesystem::path path;  // the file judged (a script's interpreter, when a script was given)
  std::string why;             // one phrase, e.g. "is a Go program"
};

/// Reads the ELF headers of `path` (a `#!` script is judged by its
/// interpreter, `#!/usr/bin/env NAME` by NAME found in `path_env`).
/// Error when the file cannot be read.
Result<ExecutableFacts> inspect_executable(const std::filesystem::path& path, const std::string& path_env);

/// The shim: $SOAK_HEAP_SHIM, else libsoakheap.so next to the soak binary
/// (build tree), else <prefix>/<libdir>/soak/libsoakheap.so (installed).
/// Error saying where it looked.
Result<std::filesystem::path> find_heap_shim();

/// The resolved decision (RunConfig::native_heap).
struct NativeHeapPlan {
  NativeHeapMode mode = NativeHeapMode::kAuto;
  std::optional<std::filesystem::path> shim;  // set = preload it
  std::string note;                            // why not, when auto decided off (a warning)
  uint64_t sample_bytes = 0;                   // mean bytes between sampled allocations
  std::string sample_basis;                    // how sample_bytes was derived (run.json)
};

/// Mean bytes between sampled allocations, so that a leak of the smallest
/// memory slope budget gets about kTargetSamples samples after warm-up:
///   interval = budget_per_h * post_warmup_h / kTargetSamples,
/// clamped to [16 KiB, 2 MiB]; without such a budget 512 KiB (jemalloc's
/// default). A per-request budget counts at `rate_per_s` requests per second.
/// `basis` says how it was derived.
constexpr double kTargetSamples = 100;
uint64_t heap_sample_interval(const std::vector<Budget>& budgets, Duration duration,
                              std::optional<Duration> warmup, double rate_per_s, std::string* basis);

/// Adds LD_PRELOAD (the shim first, before any LD_PRELOAD already set) and
/// the shim's own variables to `env`, and creates `page_dir`.
Status add_native_heap_env(const NativeHeapPlan& plan, const std::filesystem::path& page_dir,
                           std::map<std::string, std::string>& env);

struct RunConfig;
/// Decides config.native_heap before launch: `on` for a static or Go SUT, a
/// SUT soak does not launch, or a missing shim is an error naming why; `auto`
/// then stays off with a note (a warning). Sets the sampling interval.
Status resolve_native_heap(RunConfig& config);

/// run.json "native_heap".
nlohmann::json native_heap_json(const NativeHeapPlan& plan);

}  // namespace soak
