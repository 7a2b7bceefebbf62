#include "probes/pprof.h"

#include <charconv>
#include <cstdlib>

namespace soak {
namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t b = 0;
  while (b <= text.size()) {
    size_t e = text.find('\n', b);
    if (e == std::string_view::npos) e = text.size();
    std::string_view l = text.substr(b, e - b);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    lines.push_back(l);
    b = e + 1;
  }
  return lines;
}

// Whitespace-separated fields (tabwriter pads with runs of tabs/spaces).
std::vector<std::string_view> fields(std::string_view l) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < l.size()) {
    while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
    size_t b = i;
    while (i < l.size() && l[i] != ' ' && l[i] != '\t') ++i;
    if (i > b) out.push_back(l.substr(b, i - b));
  }
  return out;
}

bool to_int(std::string_view s, int64_t& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

Error line_error(std::string_view what, size_t line, std::string_view reason) {
  return make_error(std::string(what) + ": line " + std::to_string(line + 1) + ": " +
                    std::string(reason));
}

// "#\t0x4065cb\tmain.worker+0x2b\t/src/main.go:42" -> frame. False when the
// line is not a frame line.
bool parse_frame(std::string_view l, StackFrame& f) {
  if (!starts_with(l, "#")) return false;
  auto fs = fields(l.substr(1));
  if (fs.size() < 3 || !starts_with(fs[0], "0x")) return false;
  std::string_view fn = fs[1];
  if (size_t plus = fn.rfind("+0x"); plus != std::string_view::npos) fn = fn.substr(0, plus);
  f.function = std::string(fn);
  std::string_view loc = fs[2];
  size_t colon = loc.rfind(':');
  f.line = 0;
  if (colon != std::string_view::npos) {
    int64_t n = 0;
    if (to_int(loc.substr(colon + 1), n)) {
      f.line = static_cast<int>(n);
      loc = loc.substr(0, colon);
    }
  }
  f.file = std::string(loc);
  return true;
}

}  // namespace

std::string format_frame(const StackFrame& f) {
  std::string s = f.function + " " + f.file;
  if (f.line > 0) s += ":" + std::to_string(f.line);
  return s;
}

bool is_stdlib_function(std::string_view function) {
  // Package path ends at the last '/' before the first '.' of the name part.
  size_t slash = function.rfind('/');
  std::string_view first = function.substr(0, function.find('/'));
  if (slash == std::string_view::npos) {
    std::string_view pkg = function.substr(0, function.find('.'));
    return pkg != "main";
  }
  return first.find('.') == std::string_view::npos;
}

Result<GoroutineProfile> parse_goroutine_profile(std::string_view text) {
  const char* what = "goroutine profile";
  auto lines = split_lines(text);
  GoroutineProfile p;
  size_t i = 0;
  while (i < lines.size() && lines[i].empty()) ++i;
  constexpr std::string_view kHead = "goroutine profile: total ";
  if (i >= lines.size() || !starts_with(lines[i], kHead))
    return make_error(std::string(what) + ": expected \"" + std::string(kHead) +
                      "N\" on the first line (is this /debug/pprof/goroutine?debug=1?)");
  if (!to_int(fields(lines[i].substr(kHead.size())).empty() ? "" : fields(lines[i].substr(kHead.size()))[0],
              p.total))
    return line_error(what, i, "total is not a number");
  ++i;
  GoroutineRecord* cur = nullptr;
  for (; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (l.empty()) {
      cur = nullptr;
      continue;
    }
    if (!starts_with(l, "#")) {
      // "N @ 0x... 0x..."
      auto fs = fields(l);
      int64_t n = 0;
      if (fs.size() < 2 || fs[1] != "@" || !to_int(fs[0], n) || n < 0)
        return line_error(what, i, "expected \"COUNT @ ADDR...\"");
      p.records.push_back(GoroutineRecord{n, {}, {}});
      cur = &p.records.back();
      continue;
    }
    if (!cur) return line_error(what, i, "frame outside a record");
    if (starts_with(l, "# labels:")) {
      std::string_view lab = l.substr(9);
      while (!lab.empty() && lab.front() == ' ') lab.remove_prefix(1);
      cur->labels = std::string(lab);
      continue;
    }
    StackFrame f;
    if (parse_frame(l, f)) cur->frames.push_back(std::move(f));
    // other '#' lines are comments
  }
  return p;
}

Result<HeapProfile> parse_heap_profile(std::string_view text) {
  const char* what = "heap profile";
  auto lines = split_lines(text);
  HeapProfile p;
  size_t i = 0;
  while (i < lines.size() && lines[i].empty()) ++i;
  // "heap profile: 5: 1120 [60: 30720] @ heap/1048576"
  auto parse_counts = [](std::string_view s, int64_t& io, int64_t& ib, int64_t& ao,
                         int64_t& ab) -> bool {
    auto fs = fields(s);
    if (fs.size() < 5) return false;
    auto strip = [](std::string_view x, char c) {
      if (!x.empty() && x.back() == c) x.remove_suffix(1);
      return x;
    };
    std::string_view a = strip(fs[0], ':'), b = fs[1], c = fs[2], d = strip(fs[3], ']');
    if (c.empty() || c.front() != '[' || fs[0].back() != ':' || fs[2].back() != ':' ||
        fs[3].back() != ']')
      return false;
    c = strip(c.substr(1), ':');
    return to_int(a, io) && to_int(b, ib) && to_int(c, ao) && to_int(d, ab) && fs[4] == "@";
  };
  constexpr std::string_view kHead = "heap profile: ";
  if (i >= lines.size() || !starts_with(lines[i], kHead))
    return make_error(std::string(what) + ": expected \"" + std::string(kHead) +
                      "...\" on the first line (is this /debug/pprof/heap?debug=1?)");
  if (!parse_counts(lines[i].substr(kHead.size()), p.inuse_objects, p.inuse_bytes,
                    p.alloc_objects, p.alloc_bytes))
    return line_error(what, i, "expected \"heap profile: N: N [N: N] @ heap/N\"");
  if (size_t h = lines[i].find("heap/"); h != std::string_view::npos) {
    int64_t r = 0;
    // "heap/" may end the line (found by fuzz/pprof_fuzz: indexing an empty list).
    auto rate = fields(lines[i].substr(h + 5));
    if (!rate.empty() && to_int(rate[0], r)) p.sampling_rate = r;
  }
  ++i;
  HeapRecord* cur = nullptr;
  bool footer = false;
  for (; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (l.empty()) {
      cur = nullptr;
      continue;
    }
    if (starts_with(l, "# runtime.MemStats")) {
      footer = true;
      cur = nullptr;
      continue;
    }
    if (footer) {
      // "# HeapAlloc = 123456"; arrays ("# PauseNs = [...]") and pairs
      // ("# Stack = 491520 / 491520": in-use first) keep their first number.
      if (!starts_with(l, "# ")) continue;
      size_t eq = l.find(" = ");
      if (eq == std::string_view::npos) continue;
      std::string key(l.substr(2, eq - 2));
      auto vs = fields(l.substr(eq + 3));
      if (vs.empty() || vs[0].front() == '[') continue;
      char* end = nullptr;
      std::string v(vs[0]);
      double d = std::strtod(v.c_str(), &end);
      if (end && *end == '\0') p.memstats[key] = d;
      else if (v == "true" || v == "false") p.memstats[key] = v == "true" ? 1 : 0;
      continue;
    }
    if (!starts_with(l, "#")) {
      HeapRecord r;
      if (!parse_counts(l, r.inuse_objects, r.inuse_bytes, r.alloc_objects, r.alloc_bytes))
        return line_error(what, i, "expected \"N: N [N: N] @ ADDR...\"");
      p.records.push_back(std::move(r));
      cur = &p.records.back();
      continue;
    }
    StackFrame f;
    if (cur && parse_frame(l, f)) cur->frames.push_back(std::move(f));
  }
  return p;
}

}  // namespace soak
