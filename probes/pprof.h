// Parsers for net/http/pprof text profiles (REFERENCE.md "net/http/pprof"):
// /debug/pprof/goroutine?debug=1 and /debug/pprof/heap?debug=1. Pure
// functions on text; malformed or truncated input is an error naming the
// line, never a crash.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace soak {

struct StackFrame {
  std::string function;  // "main.worker.func1"
  std::string file;      // "/src/main.go"
  int line = 0;
};

/// "main.worker /src/main.go:42"
std::string format_frame(const StackFrame& f);
/// True for Go standard library packages (no dot in the first path element,
/// e.g. "runtime", "net/http"), where a culprit is rarely to be fixed.
bool is_stdlib_function(std::string_view function);

struct GoroutineRecord {
  int64_t count = 0;
  std::vector<StackFrame> frames;  // innermost first
  std::string labels;              // "# labels: {...}" text, when present
};

struct GoroutineProfile {
  int64_t total = 0;  // "goroutine profile: total N"
  std::vector<GoroutineRecord> records;
};

Result<GoroutineProfile> parse_goroutine_profile(std::string_view text);

struct HeapRecord {
  int64_t inuse_objects = 0, inuse_bytes = 0, alloc_objects = 0, alloc_bytes = 0;
  std::vector<StackFrame> frames;  // innermost first
};

struct HeapProfile {
  int64_t inuse_objects = 0, inuse_bytes = 0, alloc_objects = 0, alloc_bytes = 0;
  int64_t sampling_rate = 0;  // the N of "@ heap/N"
  std::vector<HeapRecord> records;
  /// The "# runtime.MemStats" footer: HeapAlloc, NumGC, ... (scalar fields only).
  std::map<std::string, double> memstats;
};

Result<HeapProfile> parse_heap_profile(std::string_view text);

}  // namespace soak
