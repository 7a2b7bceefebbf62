#include "common/budget.h"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "common/series.h"
#include "common/units.h"

namespace soak {

std::string_view to_string(BudgetPer p) {
  switch (p) {
    case BudgetPer::kSecond: return "s";
    case BudgetPer::kMinute: return "m";
    case BudgetPer::kHour: return "h";
    case BudgetPer::kDay: return "d";
    case BudgetPer::kRequest: return "req";
  }
  return "h";
}

double Budget::limit_per_hour() const {
  switch (per) {
    case BudgetPer::kSecond: return limit * 3600;
    case BudgetPer::kMinute: return limit * 60;
    case BudgetPer::kHour: return limit;
    case BudgetPer::kDay: return limit / 24;
    case BudgetPer::kRequest: return limit;  // not a time slope
  }
  return limit;
}

namespace {

// NUMBER [SIZE_UNIT], surrounding spaces allowed.
Result<double> parse_amount(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' ||
                          s[i] == 'e' || s[i] == 'E')) {
    // An 'e' is an exponent only when a digit or sign follows.
    if ((s[i] == 'e' || s[i] == 'E') &&
        !(i + 1 < s.size() && (std::isdigit(static_cast<unsigned char>(s[i + 1])) ||
                               s[i + 1] == '-' || s[i + 1] == '+')))
      break;
    if ((s[i] == 'e' || s[i] == 'E') && (s[i + 1] == '-' || s[i + 1] == '+')) ++i;
    ++i;
  }
  if (i == 0) return make_error("expected a number");
  double v = 0;
  const char* b = s.data() + (s[0] == '+' ? 1 : 0);
  auto [p, ec] = std::from_chars(b, s.data() + i, v);
  if (ec != std::errc() || p != s.data() + i)
    return make_error(fmt::format("\"{}\" is not a number", s.substr(0, i)));
  if (v < 0) return make_error("a budget cannot be negative");
  auto f = size_unit_factor(s.substr(i));
  if (!f) return f.error();
  return v * *f;
}

}  // namespace

Result<Budget> parse_budget(std::string_view spec) {
  Budget b;
  b.spec = std::string(spec);
  // Find the operator outside braces.
  int depth = 0;
  bool in_quotes = false;
  size_t op = std::string_view::npos;
  for (size_t i = 0; i < spec.size(); ++i) {
    char c = spec[i];
    if (in_quotes) {
      if (c == '\\') ++i;
      else if (c == '"') in_quotes = false;
      continue;
    }
    if (c == '"') in_quotes = true;
    else if (c == '{') ++depth;
    else if (c == '}') --depth;
    else if (depth == 0 && (c == '=' || ((c == '<' || c == '>') && i + 1 < spec.size() && spec[i + 1] == '='))) {
      op = i;
      break;
    }
  }
  if (op == std::string_view::npos)
    return make_error("expected SERIES=RATE/UNIT (e.g. rss=2MiB/h), SERIES<=LIMIT (e.g. rss<=512MiB) or "
                      "SERIES>=DURATION (e.g. rss>=7d)");
  b.target = std::string(spec.substr(0, op));
  if (b.target.empty()) return make_error("missing series name before the operator");
  if (budget_candidates(b.target).empty())
    return make_error(fmt::format(
        "unknown series \"{}\" (expected a series such as rss_bytes, an alias such as rss, heap, "
        "goroutines, threads, fds, sockets, latency_p99, or prom:NAME)",
        b.target));
  if (spec[op] == '>') {
    b.kind = BudgetKind::kEndurance;
    std::string_view rhs = spec.substr(op + 2);
    while (!rhs.empty() && rhs.front() == ' ') rhs.remove_prefix(1);
    while (!rhs.empty() && rhs.back() == ' ') rhs.remove_suffix(1);
    auto d = parse_duration(rhs);
    if (!d) return make_error(fmt::format("{} (an endurance budget takes a duration, e.g. rss>=7d)", d.message()));
    if (*d <= Duration::zero()) return make_error("an endurance budget needs a duration above 0 (e.g. rss>=7d)");
    b.limit = to_seconds(*d);
    return b;
  }
  if (spec[op] == '<') {
    b.kind = BudgetKind::kLevel;
    auto v = parse_amount(spec.substr(op + 2));
    if (!v) return v.error();
    b.limit = *v;
    return b;
  }
  std::string_view rhs = spec.substr(op + 1);
  size_t slash = rhs.rfind('/');
  if (slash == std::string_view::npos)
    return make_error("missing \"/UNIT\" after the rate (expected s, m, h, d or req, e.g. 2MiB/h)");
  auto v = parse_amount(rhs.substr(0, slash));
  if (!v) return v.error();
  b.limit = *v;
  std::string_view per = rhs.substr(slash + 1);
  if (per == "s") b.per = BudgetPer::kSecond;
  else if (per == "m") b.per = BudgetPer::kMinute;
  else if (per == "h") b.per = BudgetPer::kHour;
  else if (per == "d") b.per = BudgetPer::kDay;
  else if (per == "req") b.per = BudgetPer::kRequest;
  else
    return make_error(fmt::format("unknown time unit \"{}\" (expected s, m, h, d or req)", per));
  return b;
}

}  // namespace soak
