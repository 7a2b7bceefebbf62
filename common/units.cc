#include "common/units.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>

#include <fmt/format.h>

namespace soak {
namespace {

// Reads a non-negative decimal number at the front of s; advances s.
std::optional<double> take_number(std::string_view& s) {
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + i, v);
  if (ec != std::errc() || p != s.data() + i) return std::nullopt;
  s.remove_prefix(i);
  return v;
}

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
  if (text.empty()) return make_error("empty duration (expected e.g. 90s, 45m, 2h, 1h30m)");
  std::string_view s = text;
  double total_s = 0;
  while (!s.empty()) {
    auto n = take_number(s);
    if (!n)
      return make_error(fmt::format("expected a number at \"{}\" (durations look like 90s, 45m, 2h, 1h30m)", s));
    size_t i = 0;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    std::string_view unit = s.substr(0, i);
    s.remove_prefix(i);
    double f;
    if (unit == "ms") f = 1e-3;
    else if (unit == "s") f = 1;
    else if (unit == "m") f = 60;
    else if (unit == "h") f = 3600;
    else if (unit == "d") f = 86400;
    else if (unit.empty())
      return make_error("missing time unit (expected ms, s, m, h or d, e.g. 90s)");
    else
      return make_error(fmt::format("unknown time unit \"{}\" (expected ms, s, m, h or d)", unit));
    total_s += *n * f;
  }
  if (!std::isfinite(total_s) || total_s > 1e9) return make_error("duration out of range");
  return from_seconds(total_s);
}

Result<double> size_unit_factor(std::string_view u) {
  if (u.empty() || u == "B") return 1.0;
  if (u == "KB") return 1e3;
  if (u == "MB") return 1e6;
  if (u == "GB") return 1e9;
  if (u == "KiB") return 1024.0;
  if (u == "MiB") return 1024.0 * 1024;
  if (u == "GiB") return 1024.0 * 1024 * 1024;
  return make_error(fmt::format("unknown size unit \"{}\" (expected B, KB, MB, GB, KiB, MiB or GiB)", u));
}

Result<double> parse_size(std::string_view text) {
  std::string_view s = text;
  auto n = take_number(s);
  if (!n) return make_error("expected a number with an optional unit (e.g. 512MiB, 2GB, 4096)");
  auto f = size_unit_factor(s);
  if (!f) return f.error();
  return *n * *f;
}

std::string format_duration(Duration d) {
  double s = to_seconds(d);
  if (s < 1) return fmt::format("{:g}ms", std::round(s * 1000));
  auto total = static_cast<long long>(std::llround(s));
  long long h = total / 3600, m = (total % 3600) / 60, sec = total % 60;
  std::string out;
  if (h) out += fmt::format("{}h", h);
  if (m) out += fmt::format("{}m", m);
  if (sec || out.empty()) out += fmt::format("{}s", sec);
  return out;
}

std::string format_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double a = std::fabs(b);
  int i = 0;
  while (a >= 1024 && i < 4) {
    a /= 1024;
    b /= 1024;
    ++i;
  }
  if (i == 0) return fmt::format("{:.0f} B", b);
  return fmt::format("{:.{}f} {}", b, a < 10 ? 2 : a < 100 ? 1 : 0, units[i]);
}

std::string format_value(double v, std::string_view unit) {
  if (!std::isfinite(v)) return std::isnan(v) ? "nan" : v > 0 ? "+inf" : "-inf";  // an unbounded interval side
  if (unit == "bytes") return format_bytes(v);
  if (unit.empty() || unit == "count") return fmt::format("{:.4g}", v);
  return fmt::format("{:.4g} {}", v, unit);
}

}  // namespace soak
