#include "analysis/verdict_text.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace soak::analysis {

namespace {
std::string trim_zeros(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string num(double x) {
  if (std::isinf(x)) return x > 0 ? "+inf" : "-inf";
  if (std::isnan(x)) return "nan";
  double a = std::fabs(x);
  if (a >= 100) return fmt::format("{:.0f}", x);
  if (a >= 10) return trim_zeros(fmt::format("{:.1f}", x));
  if (a >= 0.995) return trim_zeros(fmt::format("{:.2f}", x));
  if (a == 0) return "0";
  std::string s = fmt::format("{:.2g}", x);
  if (s == "-0") return "0";
  return s;
}

struct Scale {
  double factor = 1;
  std::string suffix;  // " MiB", "", " ms"
};

Scale scale_for(double magnitude, std::string_view unit) {
  Scale sc;
  if (unit == "bytes") {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    double a = std::isfinite(magnitude) ? std::fabs(magnitude) : 0;
    while (a >= 1024 && i < 4) {
      a /= 1024;
      sc.factor *= 1024;
      ++i;
    }
    sc.suffix = std::string(" ") + units[i];
  } else if (!unit.empty() && unit != "count") {
    sc.suffix = " " + std::string(unit);
  }
  return sc;
}
}  // namespace

std::string format_amount(double v, std::string_view unit) {
  Scale sc = scale_for(v, unit);
  return num(v / sc.factor) + sc.suffix;
}

std::string format_rate_interval(double v, double lo, double hi, std::string_view unit,
                                 std::string_view per) {
  double mag = std::fabs(v);
  for (double b : {lo, hi})
    if (std::isfinite(b)) mag = std::max(mag, std::fabs(b));
  Scale sc = scale_for(mag, unit);
  std::string sep = sc.suffix.empty() ? "" : "";
  return fmt::format("{}{}/{}{} [{}, {}]", num(v / sc.factor), sc.suffix, per, sep, num(lo / sc.factor),
                     num(hi / sc.factor));
}

std::string format_clock(double seconds) {
  long s = std::lround(std::max(seconds, 0.0));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string format_about(double s) {
  if (!std::isfinite(s)) return "an unbounded time";
  if (s < 60) return "about 1 min";
  if (s < 3600) return fmt::format("about {:.0f} min", std::ceil(s / 60));
  double h = s / 3600;
  if (h < 10) return fmt::format("about {} h", trim_zeros(fmt::format("{:.1f}", h)));
  if (h < 72) return fmt::format("about {:.0f} h", h);
  return fmt::format("about {:.0f} days", h / 24);
}

}  // namespace soak::analysis
