#include "probes/gctrace.h"

#include <cctype>
#include <charconv>
#include <cstdlib>

namespace soak {
namespace {

// A small cursor over the text: each parse step consumes on success and
// leaves the position unchanged on failure.
struct Cursor {
  std::string_view s;
  size_t i = 0;

  bool lit(std::string_view l) {
    if (s.substr(i, l.size()) != l) return false;
    i += l.size();
    return true;
  }
  void spaces() {
    while (i < s.size() && s[i] == ' ') ++i;
  }
  std::optional<double> number() {
    size_t j = i;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
    if (j == i) return std::nullopt;
    double v = 0;
    auto [p, ec] = std::from_chars(s.data() + i, s.data() + j, v);
    if (ec != std::errc() || p != s.data() + j) return std::nullopt;
    i = j;
    return v;
  }
};

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Start of the number that ends right before `end` (digits and dots).
size_t number_start(std::string_view s, size_t end) {
  size_t b = end;
  while (b > 0 && (is_digit(s[b - 1]) || s[b - 1] == '.')) --b;
  return b;
}

// "NUM<suffix>" anywhere in s from `from`; returns the number.
std::optional<double> find_number_before(std::string_view s, size_t from, std::string_view suffix,
                                         size_t* after = nullptr) {
  for (size_t p = s.find(suffix, from); p != std::string_view::npos; p = s.find(suffix, p + 1)) {
    size_t b = number_start(s, p);
    if (b == p) continue;
    Cursor c{s, b};
    auto v = c.number();
    if (v && c.i == p) {
      if (after) *after = p + suffix.size();
      return v;
    }
  }
  return std::nullopt;
}

// The header "gc N @Ts P%:" at or after `from`; sets `rest` to its end.
std::optional<GcTraceLine> parse_header(std::string_view s, size_t from, size_t* rest) {
  for (size_t p = s.find("gc ", from); p != std::string_view::npos; p = s.find("gc ", p + 1)) {
    if (p > 0 && std::isalnum(static_cast<unsigned char>(s[p - 1]))) continue;  // "xgc 1"
    Cursor c{s, p + 3};
    GcTraceLine g;
    auto n = c.number();
    if (!n || !c.lit(" @")) continue;
    auto t = c.number();
    if (!t || !c.lit("s ")) continue;
    auto pct = c.number();
    if (!pct || !c.lit("%:")) continue;
    // A cycle number no int64 holds is not a gctrace header (found by
    // fuzz/gctrace_fuzz: the cast was undefined behaviour).
    if (!(*n >= 0 && *n < 9.2e18)) continue;
    g.cycle = static_cast<int64_t>(*n);
    g.t_s = *t;
    g.cpu_percent = *pct;
    *rest = c.i;
    return g;
  }
  return std::nullopt;
}

// The figures after the header: "A->B->C MB, D MB goal[, E MB stacks, F MB globals], G P [(forced)]".
bool parse_figures(std::string_view s, size_t from, GcTraceLine& g) {
  size_t arrow = s.find("->", from);
  for (; arrow != std::string_view::npos; arrow = s.find("->", arrow + 2)) {
    size_t b = number_start(s, arrow);
    if (b == arrow) continue;
    Cursor c{s, b};
    auto a = c.number();
    if (!a || !c.lit("->")) continue;
    auto m = c.number();
    if (!m || !c.lit("->")) continue;
    auto l = c.number();
    if (!l || !c.lit(" MB")) continue;
    g.heap_start_mib = *a;
    g.heap_marked_mib = *m;
    g.heap_live_mib = *l;
    size_t after = c.i;
    auto goal = find_number_before(s, after, " MB goal", &after);
    if (!goal) return false;
    g.goal_mib = *goal;
    if (auto st = find_number_before(s, after, " MB stacks")) g.stacks_mib = st;
    if (auto gl = find_number_before(s, after, " MB globals")) g.globals_mib = gl;
    // " P" ends the figures: the last "NUM P" that is followed by the end,
    // a space or a parenthesis.
    for (size_t p = s.find(" P", after); p != std::string_view::npos; p = s.find(" P", p + 1)) {
      size_t e = p + 2;
      if (e < s.size() && s[e] != ' ' && s[e] != '(' && s[e] != '\r' && s[e] != '\n') continue;
      size_t nb = number_start(s, p);
      if (nb == p) continue;
      // from_chars, not atoi: an out-of-range figure leaves procs unset
      // instead of being undefined behaviour.
      int procs = 0;
      auto digits = s.substr(nb, p - nb);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), procs);
      if (ec == std::errc() && end == digits.data() + digits.size()) g.procs = procs;
      break;
    }
    g.forced = s.find("(forced)", after) != std::string_view::npos;
    return true;
  }
  return false;
}

}  // namespace

std::optional<GcTraceLine> parse_gctrace_line(std::string_view text) {
  size_t from = 0;
  while (true) {
    size_t rest = 0;
    auto g = parse_header(text, from, &rest);
    if (!g) return std::nullopt;
    // The figures must come before the next header (a truncated record
    // followed by a complete one yields the complete one).
    size_t next_rest = 0;
    auto next = parse_header(text, rest, &next_rest);
    size_t limit = next ? text.rfind("gc ", next_rest) : text.size();
    if (parse_figures(text.substr(0, limit), rest, *g)) return g;
    if (!next) return std::nullopt;
    from = limit;
  }
}

std::optional<GcTraceLine> GcTraceScanner::feed(std::string_view line) {
  if (!pending_.empty()) {
    std::string joined = pending_ + std::string(line);
    pending_.clear();
    if (auto g = parse_gctrace_line(joined)) return g;
  }
  if (auto g = parse_gctrace_line(line)) return g;
  // A header without figures: keep it for the next line. Bounded, so a
  // stray "gc 1 @1s 0%:" in application output can't grow memory.
  size_t rest = 0;
  if (auto h = parse_header(line, 0, &rest); h && line.size() < 4096) {
    size_t start = line.rfind("gc ", rest);
    pending_ = std::string(line.substr(start));
  }
  return std::nullopt;
}

}  // namespace soak
