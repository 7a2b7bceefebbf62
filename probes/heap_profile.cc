#include "probes/heap_profile.h"

#include <cxxabi.h>
#include <fcntl.h>
#include <unistd.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

#include "common/posix.h"
#include "common/units.h"

namespace soak {

namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------
// The shim's raw dump (shim/soakheap.cc, dump()):
//   soakheap 1 / pid N / sample_interval R / live_bytes B
//   module 0xBIAS PATH
//   site SAMPLES WEIGHT BYTES 0xPC...
//   end
struct RawSite {
  long samples = 0;
  double weight = 0;
  std::vector<uint64_t> pcs;
};
struct RawDump {
  double sample_interval = 0;
  std::vector<std::pair<uint64_t, std::string>> modules;
  std::vector<RawSite> sites;
  bool complete = false;
};

RawDump parse_raw(const std::string& text) {
  RawDump d;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string word;
    ls >> word;
    if (word == "sample_interval") {
      ls >> d.sample_interval;
    } else if (word == "module") {
      std::string addr, path;
      ls >> addr;
      std::getline(ls, path);
      if (!path.empty() && path[0] == ' ') path.erase(0, 1);
      d.modules.emplace_back(std::strtoull(addr.c_str(), nullptr, 16), path);
    } else if (word == "site") {
      RawSite s;
      uint64_t bytes = 0;
      ls >> s.samples >> s.weight >> bytes;
      std::string pc;
      while (ls >> pc) s.pcs.push_back(std::strtoull(pc.c_str(), nullptr, 16));
      d.sites.push_back(std::move(s));
    } else if (word == "end") {
      d.complete = true;
    }
  }
  return d;
}

// "ns::f(int) const" -> "ns::f"; "(anonymous namespace)::" dropped.
std::string tidy_function(std::string name) {
  if (name.starts_with("_Z")) {
    int status = 0;
    std::unique_ptr<char, decltype(&std::free)> d(abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status),
                                                  &std::free);
    if (status == 0 && d) name = d.get();
  }
  // Cut the parameter list: the last top-level '(' that is not "(anonymous".
  int depth = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '<') ++depth;
    else if (c == '>') --depth;
    else if (c == '(' && depth == 0 && name.compare(i, 11, "(anonymous ") != 0) {
      name.resize(i);
      break;
    }
  }
  for (std::string_view anon : {"(anonymous namespace)::", "{anonymous}::"}) {
    size_t p;
    while ((p = name.find(anon)) != std::string::npos) name.erase(p, anon.size());
  }
  return name;
}

const char* die_name(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  for (int at : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name, DW_AT_name})
    if (dwarf_attr_integrate(die, at, &attr))
      if (const char* s = dwarf_formstring(&attr)) return s;
  return nullptr;
}

// Debug info comes from the module itself (-g) or a local build-id file
// (/usr/lib/debug/.build-id/xx/rest.debug: Debian's -dbgsym packages), never
// from the network: dwfl_standard_find_debuginfo would ask debuginfod when
// DEBUGINFOD_URLS is set, at the end of every run.
int local_debuginfo(Dwfl_Module* mod, void**, const char*, Dwarf_Addr, const char*, const char*, GElf_Word,
                    char** debuginfo_file_name) {
  const unsigned char* bits = nullptr;
  GElf_Addr vaddr = 0;
  int n = dwfl_module_build_id(mod, &bits, &vaddr);
  if (n < 2) return -1;
  std::string path = fmt::format("/usr/lib/debug/.build-id/{:02x}/", bits[0]);
  for (int i = 1; i < n; ++i) path += fmt::format("{:02x}", bits[i]);
  path += ".debug";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;  // the module's own DWARF, if any
  *debuginfo_file_name = ::strdup(path.c_str());
  return fd;
}

// Every module is reported with its file (the dump's module map): no search.
int no_other_elf(Dwfl_Module*, void**, const char*, Dwarf_Addr, char**, Elf**) { return -1; }

// One process's address space, symbolised with libdw.
class Symbolizer {
 public:
  explicit Symbolizer(const RawDump& dump) {
    callbacks_.find_elf = no_other_elf;
    callbacks_.find_debuginfo = local_debuginfo;
    callbacks_.section_address = dwfl_offline_section_address;
    callbacks_.debuginfo_path = nullptr;
    dwfl_ = dwfl_begin(&callbacks_);
    if (!dwfl_) return;
    dwfl_report_begin(dwfl_);
    for (const auto& [bias, path] : dump.modules)
      dwfl_report_elf(dwfl_, path.c_str(), path.c_str(), -1, bias, false);
    dwfl_report_end(dwfl_, nullptr, nullptr);
  }
  ~Symbolizer() {
    if (dwfl_) dwfl_end(dwfl_);
  }
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  /// Frames at a return address (inlined calls expanded, innermost first).
  const std::vector<NativeFrame>& frames(uint64_t return_address) {
    auto [it, fresh] = cache_.try_emplace(return_address);
    if (fresh) it->second = lookup(return_address - 1);  // the call instruction, not the next one
    return it->second;
  }

 private:
  std::vector<NativeFrame> lookup(uint64_t pc) {
    std::vector<NativeFrame> out;
    Dwfl_Module* m = dwfl_ ? dwfl_addrmodule(dwfl_, pc) : nullptr;
    if (!m) return {NativeFrame{fmt::format("0x{:x}", pc + 1), "", 0, ""}};
    const char* mod_file = nullptr;
    Dwarf_Addr mod_start = 0;
    const char* mod_name = dwfl_module_info(m, nullptr, &mod_start, nullptr, nullptr, nullptr, &mod_file, nullptr);
    std::string module = mod_file ? mod_file : mod_name ? mod_name : "";
    std::string file;
    int line = 0;
    if (Dwfl_Line* l = dwfl_module_getsrc(m, pc)) {
      const char* f = dwfl_lineinfo(l, nullptr, &line, nullptr, nullptr, nullptr);
      if (f) file = f;
    }
    // Inlined calls: the innermost scope names the code at pc; each
    // inlined_subroutine's call site is the line in the scope around it.
    // dwarf_getscopes finds the innermost scope but continues into an inlined
    // function's abstract definition; dwarf_getscopes_die from that scope
    // walks the concrete tree instead (where it was inlined), as
    // eu-addr2line -i does.
    Dwarf_Addr bias = 0;
    if (Dwarf_Die* cu = dwfl_module_addrdie(m, pc, &bias)) {
      Dwarf_Die* found = nullptr;
      Dwarf_Die* scopes = nullptr;
      int n = dwarf_getscopes(cu, pc - bias, &found);
      if (n > 0) {
        Dwarf_Die innermost = found[0];
        n = dwarf_getscopes_die(&innermost, &scopes);
      }
      std::free(found);
      Dwarf_Files* files = nullptr;
      size_t nfiles = 0;
      dwarf_getsrcfiles(cu, &files, &nfiles);
      for (int i = 0; i < n; ++i) {
        int tag = dwarf_tag(&scopes[i]);
        if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram) continue;
        const char* name = die_name(&scopes[i]);
        out.push_back({name ? tidy_function(name) : "", file, line, module});
        if (tag == DW_TAG_subprogram) break;
        Dwarf_Attribute a;
        Dwarf_Word call_file = 0, call_line = 0;
        if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &a), &call_file) == 0 && files)
          if (const char* f = dwarf_filesrc(files, call_file, nullptr, nullptr)) file = f;
        if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &a), &call_line) == 0)
          line = static_cast<int>(call_line);
      }
      std::free(scopes);
    }
    if (out.empty() || out.back().function.empty()) {
      // No DWARF: the ELF symbol (function name only).
      GElf_Sym sym;
      GElf_Off off = 0;
      const char* name = dwfl_module_addrinfo(m, pc, &off, &sym, nullptr, nullptr, nullptr);
      // Not even a symbol: the return address within its module.
      std::string fn = name ? tidy_function(name)
                            : fmt::format("{}+0x{:x}", fs::path(module).filename().string(), pc + 1 - mod_start);
      if (out.empty()) out.push_back({fn, file, line, module});
      else out.back().function = fn;
    }
    return out;
  }

  Dwfl_Callbacks callbacks_{};
  Dwfl* dwfl_ = nullptr;
  std::unordered_map<uint64_t, std::vector<NativeFrame>> cache_;
};

bool is_shim(const NativeFrame& f) { return fs::path(f.module).filename().string().starts_with("libsoakheap"); }

std::string site_key(const std::vector<NativeFrame>& frames) {
  std::string k;
  for (const auto& f : frames) k += fmt::format("{}\t{}\t{}\n", f.function, f.file, f.line);
  return k;
}

std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

Status write_heap_profile(const std::vector<fs::path>& raw_dumps, const fs::path& out) {
  std::map<std::string, NativeSite> merged;
  double interval = 0;
  size_t processes = 0;
  for (const auto& path : raw_dumps) {
    RawDump d = parse_raw(read_all(path));
    if (!d.complete) continue;  // a truncated dump names nothing
    ++processes;
    interval = std::max(interval, d.sample_interval);
    Symbolizer sym(d);
    for (const auto& s : d.sites) {
      std::vector<NativeFrame> frames;
      for (uint64_t pc : s.pcs)
        for (const auto& f : sym.frames(pc)) frames.push_back(f);
      auto first = std::find_if(frames.begin(), frames.end(), [](const NativeFrame& f) { return !is_shim(f); });
      frames.erase(frames.begin(), first);
      NativeSite& m = merged[site_key(frames)];
      if (m.frames.empty()) m.frames = std::move(frames);
      m.bytes += s.weight;
      m.samples += s.samples;
    }
  }
  std::vector<const NativeSite*> sites;
  for (const auto& [k, s] : merged) sites.push_back(&s);
  std::sort(sites.begin(), sites.end(), [](const NativeSite* a, const NativeSite* b) { return a->bytes > b->bytes; });
  std::ostringstream f;
  f << "# soak native heap profile v1: live sampled allocation sites, summed over the SUT's processes\n"
    << "# site ESTIMATED_BYTES SAMPLES, then its frames innermost first: function, file, line, module\n"
    << "sample_interval " << static_cast<uint64_t>(interval) << "\nprocesses " << processes << "\n";
  for (const NativeSite* s : sites) {
    f << "site " << static_cast<uint64_t>(s->bytes + 0.5) << " " << s->samples << "\n";
    for (const auto& fr : s->frames)
      f << "frame " << fr.function << "\t" << fr.file << "\t" << fr.line << "\t" << fr.module << "\n";
  }
  return write_file_atomic(out, f.str());
}

Result<NativeHeapProfile> parse_heap_profile_text(const std::string& text) {
  NativeHeapProfile p;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("sample_interval ")) {
      p.sample_interval = std::strtod(line.c_str() + 16, nullptr);
    } else if (line.starts_with("site ")) {
      NativeSite s;
      std::istringstream ls(line.substr(5));
      if (!(ls >> s.bytes >> s.samples)) return make_error(fmt::format("line {}: bad site line", n));
      p.sites.push_back(std::move(s));
    } else if (line.starts_with("frame ")) {
      if (p.sites.empty()) return make_error(fmt::format("line {}: frame before any site", n));
      std::vector<std::string> cols;
      std::string rest = line.substr(6);
      size_t start = 0;
      for (size_t tab; (tab = rest.find('\t', start)) != std::string::npos; start = tab + 1)
        cols.push_back(rest.substr(start, tab - start));
      cols.push_back(rest.substr(start));
      if (cols.size() != 4) return make_error(fmt::format("line {}: a frame has 4 tab-separated fields", n));
      p.sites.back().frames.push_back({cols[0], cols[1], std::atoi(cols[2].c_str()), cols[3]});
    }
  }
  return p;
}

const NativeFrame* native_frame_of_interest(const std::vector<NativeFrame>& frames) {
  auto runtime_module = [](const std::string& module) {
    std::string name = fs::path(module).filename().string();
    for (std::string_view lib : {"libc.so", "libc-", "libstdc++", "ld-linux", "libsoakheap", "libgcc_s", "libm.so"})
      if (name.starts_with(lib)) return true;
    return false;
  };
  auto runtime_function = [](const std::string& fn) {
    for (std::string_view p : {"std::", "__gnu_cxx::", "operator new", "operator delete", "__libc_", "__cxa_"})
      if (fn.starts_with(p)) return true;
    for (std::string_view f : {"malloc", "calloc", "realloc", "reallocarray", "free", "posix_memalign",
                               "aligned_alloc", "memalign", "valloc", "pvalloc", "strdup", "strndup"})
      if (fn == f) return true;
    return false;
  };
  for (const auto& f : frames)
    if (!runtime_module(f.module) && !runtime_function(f.function)) return &f;
  for (const auto& f : frames)
    if (!runtime_module(f.module)) return &f;
  return frames.empty() ? nullptr : &frames.front();
}

std::vector<Culprit> native_heap_culprits(const std::string& before_text, const std::string& after_text,
                                          size_t top_n) {
  auto after = parse_heap_profile_text(after_text);
  if (!after) return {};
  auto before = parse_heap_profile_text(before_text);
  // A site is the line a person would fix (the frame of interest), summed
  // over every stack that reaches it: the same allocation called from a
  // start-up path and from the request path is one site whose total counts
  // (stacks that replace one another are not growth). Its frames are those
  // of its largest stack.
  struct Growth {
    const NativeSite* site = nullptr;  // the largest stack at the end
    double before = 0, after = 0;
  };
  auto key_of = [](const NativeSite& s) {
    const NativeFrame* f = native_frame_of_interest(s.frames);
    return fmt::format("{}\t{}\t{}\t{}", f->function, f->file, f->line, f->module);
  };
  std::map<std::string, Growth> by_key;
  for (const auto& s : after->sites) {
    if (s.frames.empty()) continue;  // the shim's table was full: no stack
    auto& g = by_key[key_of(s)];
    if (!g.site || s.bytes > g.site->bytes) g.site = &s;
    g.after += s.bytes;
  }
  if (before)
    for (const auto& s : before->sites)
      if (!s.frames.empty())
        if (auto it = by_key.find(key_of(s)); it != by_key.end()) it->second.before += s.bytes;
  // Sampling noise: a site's estimate is a sum of Poisson-sampled weights,
  // with a variance of about R * bytes (R the mean interval). A healthy site
  // that churns is re-sampled between the two dumps, so its estimate moves
  // by a few sqrt(R * bytes): growth must exceed three of those, and two
  // intervals, to name it.
  double interval = std::max(1.0, std::max(after->sample_interval, before ? before->sample_interval : 0.0));
  std::vector<Growth*> grew;
  for (auto& [k, g] : by_key) {
    double min_growth = std::max(2 * interval, 3 * std::sqrt(interval * (g.before + g.after)));
    if (g.after - g.before >= min_growth) grew.push_back(&g);
  }
  std::sort(grew.begin(), grew.end(), [](const Growth* a, const Growth* b) {
    return a->after - a->before > b->after - b->before;
  });
  std::vector<Culprit> out;
  for (const Growth* g : grew) {
    if (out.size() >= top_n) break;
    const NativeFrame* f = native_frame_of_interest(g->site->frames);
    Culprit c;
    c.kind = "native_heap";
    c.function = f->function;
    std::string file = fs::path(f->file).filename().string();
    c.location = f->line > 0 ? fmt::format("{}:{}", file, f->line) : file.empty() ? fs::path(f->module).filename().string() : file;
    for (const auto& fr : g->site->frames)
      c.frames.push_back(fr.line > 0 ? fmt::format("{} {}:{}", fr.function, fr.file, fr.line)
                                     : fmt::format("{} ({})", fr.function, fs::path(fr.module).filename().string()));
    c.before = g->before;
    c.after = g->after;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace soak
