#include "probes/culprits.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include "probes/heap_profile.h"
#include "probes/pprof.h"

namespace soak {
namespace {

// Earliest first: the warm-up baseline, then anything else, then the end.
int label_rank(const std::string& label) {
  if (label == "warmup_end") return 0;
  if (label == "end" || label == "early_fail") return 2;
  return 1;
}

struct ProfileFile {
  std::string label;
  std::filesystem::path path;
  std::filesystem::file_time_type mtime;
};

// Profiles of one kind ("goroutine" or "heap"), earliest first.
std::vector<ProfileFile> list_profiles(const std::filesystem::path& dir, const std::string& kind) {
  std::vector<ProfileFile> out;
  std::error_code ec;
  const std::string suffix = "-" + kind + ".txt";
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    if (kind == "heap" && name.ends_with("-native-heap.txt")) continue;  // the allocation shim's, not Go's
    std::error_code ec2;
    out.push_back({name.substr(0, name.size() - suffix.size()), it->path(),
                   std::filesystem::last_write_time(it->path(), ec2)});
  }
  std::sort(out.begin(), out.end(), [](const ProfileFile& a, const ProfileFile& b) {
    if (label_rank(a.label) != label_rank(b.label)) return label_rank(a.label) < label_rank(b.label);
    return a.mtime < b.mtime;
  });
  return out;
}

std::string read_all(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string basename_location(const StackFrame& f) {
  std::string file = std::filesystem::path(f.file).filename().string();
  return f.line > 0 ? file + ":" + std::to_string(f.line) : file;
}

// The frame a person would fix: the first outside the standard library,
// else the first outside the runtime, else the innermost.
const StackFrame* frame_of_interest(const std::vector<StackFrame>& frames) {
  for (const auto& f : frames)
    if (!is_stdlib_function(f.function)) return &f;
  for (const auto& f : frames)
    if (f.function.rfind("runtime.", 0) != 0 && f.function.rfind("runtime/", 0) != 0) return &f;
  return frames.empty() ? nullptr : &frames.front();
}

// Where a goroutine waits, when a visible frame says so (debug=1 hides the
// runtime frames at the top of a stack, e.g. chanrecv).
std::string wait_reason(const std::vector<StackFrame>& frames) {
  static const std::pair<const char*, const char*> kWaits[] = {
      {"runtime.chanrecv", "chan receive"},
      {"runtime.chansend", "chan send"},
      {"runtime.selectgo", "select"},
      {"time.Sleep", "sleep"},
      {"internal/poll.runtime_pollWait", "IO wait"},
      {"sync.runtime_SemacquireMutex", "sync.Mutex.Lock"},
      {"sync.(*Mutex).Lock", "sync.Mutex.Lock"},
      {"sync.(*RWMutex).Lock", "sync.RWMutex.Lock"},
      {"sync.(*RWMutex).RLock", "sync.RWMutex.RLock"},
      {"sync.(*WaitGroup).Wait", "sync.WaitGroup.Wait"},
      {"sync.(*Cond).Wait", "sync.Cond.Wait"},
      {"sync.runtime_notifyListWait", "sync.Cond.Wait"},
      {"os/signal.signal_recv", "signal receive"},
  };
  for (const auto& f : frames)
    for (auto [fn, why] : kWaits)
      if (f.function == fn) return why;
  return {};
}

std::string stack_key(const std::vector<StackFrame>& frames) {
  std::string k;
  for (const auto& f : frames) k += format_frame(f) + "\n";
  return k;
}

struct Stack {
  std::vector<StackFrame> frames;
  double before = 0, after = 0;
};

// `min_growth`: smaller growth is noise (a connection opened between the
// captures, one heap sample more), and a healthy run should name nobody.
std::vector<Culprit> rank(std::map<std::string, Stack>& stacks, const std::string& kind, size_t top_n,
                          double min_growth) {
  std::vector<Stack*> grew;
  for (auto& [k, s] : stacks)
    if (s.after - s.before >= min_growth && !s.frames.empty()) grew.push_back(&s);
  std::sort(grew.begin(), grew.end(), [](const Stack* a, const Stack* b) {
    return a->after - a->before > b->after - b->before;
  });
  std::vector<Culprit> out;
  for (const Stack* s : grew) {
    if (out.size() >= top_n) break;
    Culprit c;
    c.kind = kind;
    const StackFrame* f = frame_of_interest(s->frames);
    c.function = f->function;
    c.location = basename_location(*f);
    for (const auto& fr : s->frames) c.frames.push_back(format_frame(fr));
    c.before = s->before;
    c.after = s->after;
    if (kind == "goroutines") c.wait = wait_reason(s->frames);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

std::vector<Culprit> find_culprits(const std::filesystem::path& profiles_dir, size_t top_n) {
  std::vector<Culprit> out;

  // Goroutine stacks whose count grew between the earliest and latest profile.
  auto gprofs = list_profiles(profiles_dir, "goroutine");
  if (!gprofs.empty()) {
    std::map<std::string, Stack> stacks;
    auto add = [&](const ProfileFile& pf, bool after) {
      auto p = parse_goroutine_profile(read_all(pf.path));
      if (!p) return;  // a truncated capture yields no culprits, not a failure
      for (auto& r : p->records) {
        auto& s = stacks[stack_key(r.frames)];
        if (s.frames.empty()) s.frames = r.frames;
        (after ? s.after : s.before) += static_cast<double>(r.count);
      }
    };
    if (gprofs.size() > 1) add(gprofs.front(), false);
    add(gprofs.back(), true);
    auto g = rank(stacks, "goroutines", top_n, /*min_growth=*/2);
    out.insert(out.end(), g.begin(), g.end());
  }

  // Allocation sites whose in-use bytes grew.
  auto hprofs = list_profiles(profiles_dir, "heap");
  if (!hprofs.empty()) {
    std::map<std::string, Stack> stacks;
    double rate = 0;  // "@ heap/N": about two samples' worth of bytes
    auto add = [&](const ProfileFile& pf, bool after) {
      auto p = parse_heap_profile(read_all(pf.path));
      if (!p) return;
      rate = std::max(rate, static_cast<double>(p->sampling_rate));
      for (auto& r : p->records) {
        auto& s = stacks[stack_key(r.frames)];
        if (s.frames.empty()) s.frames = r.frames;
        (after ? s.after : s.before) += static_cast<double>(r.inuse_bytes);
      }
    };
    if (hprofs.size() > 1) add(hprofs.front(), false);
    add(hprofs.back(), true);
    auto h = rank(stacks, "heap", top_n, /*min_growth=*/std::max(1.0, rate));
    out.insert(out.end(), h.begin(), h.end());
  }

  // Native allocation sites (the allocation shim's profiles, symbolised).
  auto nprofs = list_profiles(profiles_dir, "native-heap");
  if (!nprofs.empty()) {
    auto n = native_heap_culprits(nprofs.size() > 1 ? read_all(nprofs.front().path) : "", read_all(nprofs.back().path),
                                  top_n);
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

}  // namespace soak
