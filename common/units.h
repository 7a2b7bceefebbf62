// Durations and sizes as users write them (DESIGN.md section 2).
//
//   duration := (NUMBER UNIT)+        UNIT := ms | s | m | h | d   e.g. 90s, 1h30m, 1.5h
//   size     := NUMBER [SIZE_UNIT]    SIZE_UNIT := B | KB | MB | GB (1000^n) | KiB | MiB | GiB (1024^n)
//
// Parse functions return only the reason on failure ("unknown time unit
// \"hr\" (expected ms, s, m, h or d)"); the caller prefixes the flag or config
// path and the text, so every message names the input.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace soak {

using Duration = std::chrono::nanoseconds;
using SecondsF = std::chrono::duration<double>;

inline double to_seconds(Duration d) { return std::chrono::duration_cast<SecondsF>(d).count(); }
inline Duration from_seconds(double s) {
  return std::chrono::duration_cast<Duration>(SecondsF(s));
}

Result<Duration> parse_duration(std::string_view text);
/// Bytes; a bare number is bytes.
Result<double> parse_size(std::string_view text);
/// Multiplier of a size unit ("MiB" -> 1048576); empty -> 1; error when unknown.
Result<double> size_unit_factor(std::string_view unit);

/// "1h30m", "90s", "250ms".
std::string format_duration(Duration d);
/// Human-readable bytes with binary units: "3.4 MiB", "512 B".
std::string format_bytes(double bytes);
/// Value with the series unit: bytes -> format_bytes, else "%g" plus unit.
std::string format_value(double v, std::string_view unit);

}  // namespace soak
