// Parser for Go's expvar /debug/vars JSON (REFERENCE.md): the "memstats"
// object (runtime.MemStats with Go field names) and any other top-level
// numeric vars. Pure; malformed input is an error, never a crash.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace soak {

struct ExpvarData {
  std::map<std::string, double> memstats;  // scalar MemStats fields: HeapAlloc, NumGC, ...
  std::map<std::string, double> vars;      // other top-level numeric vars ("requests")
};

/// Error when the text is not a JSON object or has no "memstats" object
/// (then the SUT does not import expvar, or the URL is wrong).
Result<ExpvarData> parse_expvar(std::string_view text);

}  // namespace soak
