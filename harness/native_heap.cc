#include "harness/native_heap.h"

#include <elf.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include "harness/config.h"
#include "harness/validate.h"
#include "shim/heap_page.h"

#ifndef SOAK_INSTALL_LIBDIR
#define SOAK_INSTALL_LIBDIR "lib"
#endif

namespace soak {

namespace fs = std::filesystem;

Result<NativeHeapMode> parse_native_heap_mode(std::string_view text) {
  if (text == "auto") return NativeHeapMode::kAuto;
  if (text == "on") return NativeHeapMode::kOn;
  if (text == "off") return NativeHeapMode::kOff;
  return make_error("expected auto, on or off");
}

std::string_view to_string(NativeHeapMode m) {
  switch (m) {
    case NativeHeapMode::kAuto: return "auto";
    case NativeHeapMode::kOn: return "on";
    case NativeHeapMode::kOff: return "off";
  }
  return "auto";
}

namespace {

// The facts of one ELF file (no script handling).
Result<ExecutableFacts> inspect_elf(const fs::path& path) {
  ExecutableFacts f;
  f.path = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(fmt::format("{}: cannot read it", path.string()));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto at = [&](uint64_t off, uint64_t len) { return off <= bytes.size() && len <= bytes.size() - off; };
  if (!at(0, sizeof(Elf64_Ehdr)) || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0) {
    f.why = "is not an ELF executable";
    return f;
  }
  Elf64_Ehdr eh;
  std::memcpy(&eh, bytes.data(), sizeof eh);
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64) {
    f.why = "is not a 64-bit x86-64 ELF executable (the shim is)";
    return f;
  }
  bool interp = false, go = false;
  for (uint16_t i = 0; i < eh.e_phnum; ++i) {
    uint64_t off = eh.e_phoff + uint64_t{i} * eh.e_phentsize;
    if (eh.e_phentsize < sizeof(Elf64_Phdr) || !at(off, sizeof(Elf64_Phdr))) break;
    Elf64_Phdr ph;
    std::memcpy(&ph, bytes.data() + off, sizeof ph);
    if (ph.p_type == PT_INTERP) interp = true;
    if (ph.p_type == PT_NOTE && at(ph.p_offset, ph.p_filesz)) {
      // Notes: namesz, descsz, type, name (4-aligned), desc (4-aligned).
      uint64_t p = ph.p_offset, end = ph.p_offset + ph.p_filesz;
      while (p + sizeof(Elf64_Nhdr) <= end) {
        Elf64_Nhdr nh;
        std::memcpy(&nh, bytes.data() + p, sizeof nh);
        uint64_t name = p + sizeof nh;
        if (nh.n_namesz == 3 && at(name, 3) && std::memcmp(bytes.data() + name, "Go", 3) == 0) go = true;
        p = name + ((nh.n_namesz + 3u) & ~3u) + ((nh.n_descsz + 3u) & ~3u);
      }
    }
  }
  // Sections, when present: .go.buildinfo marks Go even without the note.
  if (eh.e_shoff && eh.e_shentsize >= sizeof(Elf64_Shdr) && eh.e_shstrndx < eh.e_shnum) {
    Elf64_Shdr strs;
    uint64_t soff = eh.e_shoff + uint64_t{eh.e_shstrndx} * eh.e_shentsize;
    if (at(soff, sizeof strs)) {
      std::memcpy(&strs, bytes.data() + soff, sizeof strs);
      for (uint16_t i = 0; i < eh.e_shnum && at(strs.sh_offset, strs.sh_size); ++i) {
        uint64_t off = eh.e_shoff + uint64_t{i} * eh.e_shentsize;
        if (!at(off, sizeof(Elf64_Shdr))) break;
        Elf64_Shdr sh;
        std::memcpy(&sh, bytes.data() + off, sizeof sh);
        if (sh.sh_name >= strs.sh_size) continue;
        const char* name = bytes.data() + strs.sh_offset + sh.sh_name;
        size_t max = strs.sh_size - sh.sh_name;
        std::string_view n(name, strnlen(name, max));
        if (n == ".go.buildinfo" || n == ".note.go.buildid") go = true;
      }
    }
  }
  if (go) {
    f.kind = ExecutableFacts::Kind::kGo;
    f.why = "is a Go program (Go does not allocate through malloc)";
  } else if (!interp) {
    f.kind = ExecutableFacts::Kind::kStatic;
    f.why = "is statically linked (no dynamic loader reads LD_PRELOAD)";
  } else {
    f.kind = ExecutableFacts::Kind::kDynamic;
    f.why = "is dynamically linked";
  }
  return f;
}

}  // namespace

Result<ExecutableFacts> inspect_executable(const fs::path& path, const std::string& path_env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(fmt::format("{}: cannot read it", path.string()));
  char head[2] = {};
  in.read(head, 2);
  if (in.gcount() == 2 && head[0] == '#' && head[1] == '!') {
    std::string line;
    std::getline(in, line);
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos) return make_error(fmt::format("{}: empty #! line", path.string()));
    auto end = line.find_first_of(" \t\r", first);
    fs::path interp = line.substr(first, end == std::string::npos ? std::string::npos : end - first);
    if (interp.filename() == "env" && end != std::string::npos) {
      auto a = line.find_first_not_of(" \t", end);
      if (a != std::string::npos) {
        auto b = line.find_first_of(" \t\r", a);
        std::string name = line.substr(a, b == std::string::npos ? std::string::npos : b - a);
        if (!name.starts_with("-")) {
          auto found = find_program(name, path.parent_path(), path_env);
          if (found) interp = *found;
        }
      }
    }
    auto facts = inspect_elf(interp);
    if (!facts) return facts.error();
    facts->why = fmt::format("is a script run by {}, which {}", interp.string(), facts->why);
    return facts;
  }
  return inspect_elf(path);
}

Result<fs::path> find_heap_shim() {
  if (const char* env = std::getenv("SOAK_HEAP_SHIM"); env && *env) {
    std::error_code ec;
    if (!fs::is_regular_file(env, ec)) return make_error(fmt::format("SOAK_HEAP_SHIM=\"{}\": no such file", env));
    return fs::absolute(env, ec).lexically_normal();
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates;
  if (!ec) {
    fs::path dir = exe.parent_path();
    candidates = {dir / "libsoakheap.so", dir / ".." / SOAK_INSTALL_LIBDIR / "soak" / "libsoakheap.so",
                  dir / ".." / "lib" / "soak" / "libsoakheap.so"};
  }
  std::string looked;
  for (const auto& c : candidates) {
    if (fs::is_regular_file(c, ec)) return c.lexically_normal();
    looked += (looked.empty() ? "" : ", ") + c.lexically_normal().string();
  }
  return make_error(fmt::format("libsoakheap.so not found (looked at {}; set SOAK_HEAP_SHIM to its path)", looked));
}

uint64_t heap_sample_interval(const std::vector<Budget>& budgets, Duration duration,
                              std::optional<Duration> warmup, double rate_per_s, std::string* basis) {
  constexpr double kMin = 16 * 1024.0, kMax = 2 * 1024 * 1024.0, kDefault = 512 * 1024.0;
  static const char* kMemoryTargets[] = {"heap", "heap_bytes", "rss", "rss_bytes", "rss_anon_bytes", "pss", "pss_bytes"};
  const Budget* smallest = nullptr;
  double per_h = 0;
  for (const auto& b : budgets) {
    if (b.kind != BudgetKind::kSlope || b.limit <= 0) continue;
    if (std::none_of(std::begin(kMemoryTargets), std::end(kMemoryTargets),
                     [&](const char* t) { return b.target == t; }))
      continue;
    double h = b.per_request() ? b.limit * rate_per_s * 3600.0 : b.limit_per_hour();
    if (!smallest || h < per_h) {
      smallest = &b;
      per_h = h;
    }
  }
  if (!smallest) {
    if (basis) *basis = "default (no memory slope budget)";
    return static_cast<uint64_t>(kDefault);
  }
  double total_h = to_seconds(duration) / 3600.0;
  double post_h = warmup ? std::max(0.0, total_h - to_seconds(*warmup) / 3600.0) : 0.9 * total_h;
  double raw = per_h * post_h / kTargetSamples;
  double v = std::clamp(raw, kMin, kMax);
  if (basis)
    *basis = fmt::format("{} over {:.3g} h after warm-up / {:g} samples{}", smallest->spec, post_h, kTargetSamples,
                         raw < kMin ? " (raised to the 16 KiB minimum)" : raw > kMax ? " (lowered to the 2 MiB maximum)" : "");
  return static_cast<uint64_t>(std::llround(v));
}

Status add_native_heap_env(const NativeHeapPlan& plan, const fs::path& page_dir,
                           std::map<std::string, std::string>& env) {
  if (!plan.shim) return Status::Ok();
  std::error_code ec;
  fs::create_directories(page_dir, ec);
  if (ec) return make_error(fmt::format("cannot create {}: {}", page_dir.string(), ec.message()));
  std::string preload = plan.shim->string();
  std::string existing;
  if (auto it = env.find("LD_PRELOAD"); it != env.end()) existing = it->second;
  else if (const char* e = std::getenv("LD_PRELOAD")) existing = e;
  if (!existing.empty()) preload += ":" + existing;
  env["LD_PRELOAD"] = preload;
  env[heap_page::kDirEnv] = fs::absolute(page_dir, ec).lexically_normal().string();
  env[heap_page::kSampleEnv] = std::to_string(plan.sample_bytes);
  return Status::Ok();
}

Status resolve_native_heap(RunConfig& c) {
  NativeHeapPlan& plan = c.native_heap;
  plan.shim.reset();
  plan.note.clear();
  if (plan.mode == NativeHeapMode::kOff) return Status::Ok();
  const bool on = plan.mode == NativeHeapMode::kOn;
  const std::string who = "--native-heap/probes.native_heap \"" + std::string(to_string(plan.mode)) + "\"";
  if (c.command.empty()) {
    if (on)
      return make_error(who + ": needs a SUT command (the shim is preloaded into a process soak launches; "
                              "a service soak only observes cannot be given one)");
    return Status::Ok();
  }
  // What falls back, for the note: the heap alias without heap_bytes.
  std::string fallback = c.go_url || c.gctrace ? "the Go heap series" : "rss_anon_bytes";
  std::string path_env;
  if (auto it = c.env.find("PATH"); it != c.env.end()) path_env = it->second;
  else if (const char* e = std::getenv("PATH")) path_env = e;
  auto facts = inspect_executable(c.command[0], path_env);
  std::string why;
  if (!facts) why = facts.message();
  else if (facts->kind != ExecutableFacts::Kind::kDynamic) why = fmt::format("{} {}", c.command[0], facts->why);
  if (!why.empty()) {
    std::string hint = facts && facts->kind == ExecutableFacts::Kind::kGo
                           ? "use --go URL or --gctrace for a Go heap"
                           : "only a dynamically linked program can be given the shim";
    if (on) return make_error(fmt::format("{}: {}; {} (or --native-heap off)", who, why, hint));
    plan.note = fmt::format("--native-heap auto: no allocation shim: {}; heap_bytes is not recorded and the heap "
                            "budget alias uses {}",
                            why, fallback);
    return Status::Ok();
  }
  auto shim = find_heap_shim();
  if (!shim) {
    if (on) return make_error(fmt::format("{}: {}", who, shim.message()));
    plan.note = fmt::format("--native-heap auto: no allocation shim: {}; the heap budget alias uses {}",
                            shim.message(), fallback);
    return Status::Ok();
  }
  plan.shim = *shim;
  double rate = 0;
  for (const auto& w : c.workloads)
    if (w.kind == WorkloadSpec::Kind::kHttp)
      rate += w.http.contains("rate") && w.http["rate"].is_number() ? w.http["rate"].get<double>() : 100.0;
  if (rate <= 0) rate = 100;
  plan.sample_bytes = heap_sample_interval(c.budgets, c.duration, c.warmup, rate, &plan.sample_basis);
  return Status::Ok();
}

nlohmann::json native_heap_json(const NativeHeapPlan& plan) {
  nlohmann::json j{{"mode", to_string(plan.mode)}, {"active", plan.shim.has_value()}};
  if (plan.shim) {
    j["shim"] = plan.shim->string();
    j["sample_interval_bytes"] = plan.sample_bytes;
    j["sample_interval_basis"] = plan.sample_basis;
  }
  if (!plan.note.empty()) j["note"] = plan.note;
  return j;
}

}  // namespace soak
