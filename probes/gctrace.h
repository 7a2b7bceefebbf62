// Parser for Go's GODEBUG=gctrace=1 lines (REFERENCE.md "gctrace"):
//
//   gc 2 @0.380s 18%: 0.040+111+0.004 ms clock, 0.32+0/221/663+0.034 ms cpu,
//      1525->1525->1525 MB, 3052 MB goal, 0 MB stacks, 0 MB globals, 8 P (forced)
//
// Pure functions on text. The runtime writes a line in several write(2)
// calls, so application output can land inside it: the parser searches for
// the pieces instead of anchoring the whole line, and GcTraceScanner joins a
// line that was split by interleaved output with the next one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace soak {

struct GcTraceLine {
  int64_t cycle = 0;        // gc N
  double t_s = 0;           // @T s since program start
  double cpu_percent = 0;   // P%: share of CPU in GC since start
  double heap_start_mib = 0, heap_marked_mib = 0, heap_live_mib = 0;  // A->B->C MB
  double goal_mib = 0;      // D MB goal
  std::optional<double> stacks_mib, globals_mib;  // Go 1.18+
  std::optional<int> procs;  // G P
  bool forced = false;       // "(forced)": runtime.GC()
};

/// The first gctrace record found in `text`, or nullopt when there is none
/// (malformed or truncated input is not an error: it is not a record).
std::optional<GcTraceLine> parse_gctrace_line(std::string_view text);

/// Feeds lines one by one; yields a record per complete gctrace line, joining
/// a record whose header arrived on one line and its figures on the next
/// (output interleaved by another writer). Not thread-safe.
class GcTraceScanner {
 public:
  std::optional<GcTraceLine> feed(std::string_view line);

 private:
  std::string pending_;  // a header without its figures yet
};

}  // namespace soak
