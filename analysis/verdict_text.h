// Human-readable numbers for budget reasons: "3.4 MiB/h [2.9, 3.9]",
// "about 5 h".
#pragma once

#include <string>
#include <string_view>

namespace soak::analysis {

/// A value in the series unit, scaled like format_bytes but with compact
/// digits: 2 MiB -> "2 MiB", 3.41 MiB -> "3.41 MiB", 12 (count) -> "12".
std::string format_amount(double v, std::string_view unit);
/// "3.4 MiB/h [2.9, 3.9]": bounds in the same scale as the value.
std::string format_rate_interval(double v, double lo, double hi, std::string_view unit,
                                 std::string_view per);
/// Run time as a clock: 75 -> "1:15", 2400 -> "40:00", 5400 -> "1:30:00".
std::string format_clock(double seconds);
/// "about 5 h", "about 40 min", "about 1.5 h".
std::string format_about(double seconds);

}  // namespace soak::analysis
