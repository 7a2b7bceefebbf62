#include "harness/cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace soak {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDelegateHint =
    "run soak under `systemd-run --user -p Delegate=yes --scope soak run ...` (a delegated subtree), or as root";

std::optional<std::string> read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool lists(std::string_view text, std::string_view word) {
  for (const auto& w : words(text))
    if (w == word) return true;
  return false;
}

// "key value" lines (memory.events, memory.oom_control, /proc/vmstat).
std::optional<long long> keyed_value(const fs::path& file, std::string_view key) {
  auto text = read_text(file);
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  std::string k;
  long long v = 0;
  while (in >> k >> v)
    if (k == key) return v;
  return std::nullopt;
}

Status write_text(const fs::path& p, std::string_view text) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return make_error(fmt::format("cannot open {}: {}", p.string(), std::strerror(errno)));
  ssize_t n = ::write(fd, text.data(), text.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size()))
    return make_error(fmt::format("cannot write \"{}\" to {}: {}", text, p.string(),
                                  n < 0 ? std::strerror(err) : "short write"));
  return Status::Ok();
}

bool default_writable(const fs::path& p) { return ::access(p.c_str(), W_OK) == 0; }

// Where soak is in the hierarchy that `controllers` names ("" for v2's "0::").
std::optional<std::string> own_path(std::string_view proc_self_cgroup, std::string_view controller) {
  std::istringstream in{std::string(proc_self_cgroup)};
  for (std::string line; std::getline(in, line);) {
    auto a = line.find(':');
    if (a == std::string::npos) continue;
    auto b = line.find(':', a + 1);
    if (b == std::string::npos) continue;
    std::string ctrls = line.substr(a + 1, b - a - 1);
    std::string path = line.substr(b + 1);
    if (controller.empty()) {
      if (line.substr(0, a) == "0" && ctrls.empty()) return path;
      continue;
    }
    std::string_view rest = ctrls;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      if (rest.substr(0, comma) == controller) return path;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return std::nullopt;
}

fs::path under(const fs::path& mount, const std::string& path) {
  fs::path rel = fs::path(path).relative_path();
  return rel.empty() ? mount : mount / rel;
}

}  // namespace

Result<MemoryCgroupHost> detect_memory_cgroup(const fs::path& root) {
  auto self = read_text(root / "proc/self/cgroup");
  if (!self) return make_error(fmt::format("cannot read {}", (root / "proc/self/cgroup").string()));
  const fs::path sys = root / "sys/fs/cgroup";
  MemoryCgroupHost h;
  if (auto ctl = read_text(sys / "cgroup.controllers")) {  // unified (v2 only)
    if (!lists(*ctl, "memory"))
      return make_error(fmt::format("cgroup v2 is mounted at {} but without the memory controller "
                                    "(cgroup.controllers lists: \"{}\")",
                                    sys.string(), fmt::join(words(*ctl), " ")));
    auto p = own_path(*self, "");
    if (!p) return make_error("cgroup v2: /proc/self/cgroup has no \"0::\" line");
    h.version = CgroupVersion::kV2;
    h.mount = sys;
    h.own_path = *p;
    h.own_dir = under(sys, *p);
    return h;
  }
  std::error_code ec;
  if (auto p = own_path(*self, "memory"); p && fs::is_directory(sys / "memory", ec)) {  // v1 (hybrid or legacy)
    h.version = CgroupVersion::kV1;
    h.mount = sys / "memory";
    h.own_path = *p;
    h.own_dir = under(h.mount, *p);
    return h;
  }
  if (auto ctl = read_text(sys / "unified/cgroup.controllers"); ctl && lists(*ctl, "memory")) {
    if (auto p = own_path(*self, "")) {  // a hybrid whose v2 side has the memory controller
      h.version = CgroupVersion::kV2;
      h.mount = sys / "unified";
      h.own_path = *p;
      h.own_dir = under(h.mount, *p);
      return h;
    }
  }
  return make_error(fmt::format("no memory cgroup controller: neither cgroup v2 with memory ({}) nor a "
                                "cgroup v1 memory hierarchy ({}) is mounted",
                                (sys / "cgroup.controllers").string(), (sys / "memory").string()));
}

Status check_memory_cgroup_possible(const MemoryCgroupHost& host,
                                    const std::function<bool(const fs::path&)>& writable_in) {
  auto writable = writable_in ? writable_in : std::function<bool(const fs::path&)>(default_writable);
  std::error_code ec;
  if (!fs::is_directory(host.own_dir, ec))
    return make_error(fmt::format("soak's memory cgroup {} is not visible at {} (a cgroup namespace or a "
                                  "private mount?); {}",
                                  host.own_path, host.own_dir.string(), kDelegateHint));
  uid_t uid = ::geteuid();
  if (host.version == CgroupVersion::kV1) {
    if (!writable(host.own_dir))
      return make_error(fmt::format("cgroup v1: creating a memory cgroup under soak's {} ({}) needs root "
                                    "(soak runs as uid {}); run soak as root, or on a cgroup v2 machine "
                                    "under `systemd-run --user -p Delegate=yes --scope soak run ...`",
                                    host.own_path, host.own_dir.string(), uid));
    return Status::Ok();
  }
  auto ctl = read_text(host.own_dir / "cgroup.controllers");
  if (!ctl || !lists(*ctl, "memory"))
    return make_error(fmt::format("cgroup v2: the memory controller is not delegated to soak's cgroup {} "
                                  "(its cgroup.controllers lists: \"{}\"); {}",
                                  host.own_path, ctl ? fmt::format("{}", fmt::join(words(*ctl), " ")) : "?",
                                  kDelegateHint));
  for (const fs::path& p : {host.own_dir, host.own_dir / "cgroup.procs", host.own_dir / "cgroup.subtree_control"})
    if (!writable(p))
      return make_error(fmt::format("cgroup v2 without a delegated subtree: {} is not writable by uid {}; {}",
                                    p.string(), uid, kDelegateHint));
  return Status::Ok();
}

std::optional<long long> read_cgroup_oom_kills(const fs::path& dir, CgroupVersion v) {
  return keyed_value(dir / (v == CgroupVersion::kV2 ? "memory.events" : "memory.oom_control"), "oom_kill");
}

std::optional<long long> read_vmstat_oom_kills(const fs::path& root) {
  return keyed_value(root / "proc/vmstat", "oom_kill");
}

Result<std::unique_ptr<Cgroup>> Cgroup::create(const MemoryCgroupHost& host, const std::string& name,
                                               double limit_bytes) {
  if (host.version == CgroupVersion::kV2) {
    auto sub = read_text(host.own_dir / "cgroup.subtree_control");
    if (!sub || !lists(*sub, "memory")) {
      auto st = write_text(host.own_dir / "cgroup.subtree_control", "+memory");
      if (!st) {
        // v2 enables controllers for children only of a cgroup without
        // processes of its own: move soak into a leaf child, then retry.
        fs::path leaf = host.own_dir / "soak-harness";
        std::error_code ec;
        fs::create_directory(leaf, ec);
        if (ec)
          return make_error(fmt::format("{}; and cannot create {}: {}", st.message(), leaf.string(), ec.message()));
        SOAK_TRY(write_text(leaf / "cgroup.procs", std::to_string(::getpid())));
        auto again = write_text(host.own_dir / "cgroup.subtree_control", "+memory");
        if (!again)
          return make_error(fmt::format("{} (after moving soak into {}: do other processes share soak's "
                                        "cgroup? run soak in a scope of its own)",
                                        again.message(), leaf.string()));
      }
    }
  }
  fs::path dir = host.own_dir / name;
  if (::mkdir(dir.c_str(), 0755) != 0)
    return make_error(fmt::format("cannot create the cgroup {}: {}", dir.string(), std::strerror(errno)));
  std::unique_ptr<Cgroup> cg(new Cgroup());
  cg->dir_ = dir;
  cg->version_ = host.version;
  cg->limit_bytes_ = limit_bytes;
  std::string limit = fmt::format("{}", static_cast<unsigned long long>(limit_bytes));
  if (host.version == CgroupVersion::kV2) {
    SOAK_TRY(write_text(dir / "memory.max", limit));
    // The limit is to end in an OOM kill, not in swapping; and an OOM kill
    // takes the whole tree. Both are absent on some kernels: best effort.
    (void)write_text(dir / "memory.swap.max", "0");
    (void)write_text(dir / "memory.oom.group", "1");
  } else {
    SOAK_TRY(write_text(dir / "memory.limit_in_bytes", limit));
    (void)write_text(dir / "memory.swappiness", "0");
    (void)write_text(dir / "memory.memsw.limit_in_bytes", limit);  // only with swap accounting
  }
  cg->procs_fd_ = ::open((dir / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
  if (cg->procs_fd_ < 0)
    return make_error(fmt::format("cannot open {}: {}", (dir / "cgroup.procs").string(), std::strerror(errno)));
  return cg;
}

Cgroup::~Cgroup() { remove(); }

bool Cgroup::remove() {
  if (removed_) return true;
  kill_all();
  if (procs_fd_ >= 0) ::close(procs_fd_);
  procs_fd_ = -1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (::rmdir(dir_.c_str()) != 0) {
    if (errno == ENOENT) break;
    if (errno != EBUSY || std::chrono::steady_clock::now() >= deadline) return false;
    kill_all();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  removed_ = true;
  return true;
}

Result<double> Cgroup::memory_bytes() const {
  fs::path f = dir_ / (version_ == CgroupVersion::kV2 ? "memory.current" : "memory.usage_in_bytes");
  auto text = read_text(f);
  if (!text) return make_error(fmt::format("cannot read {}", f.string()));
  double v = 0;
  const char* b = text->data();
  const char* e = b + text->size();
  while (e > b && (e[-1] == '\n' || e[-1] == ' ')) --e;
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || p != e) return make_error(fmt::format("{}: not a number: \"{}\"", f.string(), *text));
  return v;
}

bool Cgroup::oom_count_is_failcnt() const { return !read_cgroup_oom_kills(dir_, version_).has_value(); }

std::optional<long long> Cgroup::oom_kills() const {
  if (auto n = read_cgroup_oom_kills(dir_, version_)) return n;
  if (version_ == CgroupVersion::kV1) {
    auto text = read_text(dir_ / "memory.failcnt");
    if (!text) return std::nullopt;
    long long v = 0;
    std::istringstream in(*text);
    if (in >> v) return v;
  }
  return std::nullopt;
}

std::vector<pid_t> Cgroup::pids() const {
  std::vector<pid_t> out;
  auto text = read_text(dir_ / "cgroup.procs");
  if (!text) return out;
  std::istringstream in(*text);
  for (pid_t p; in >> p;) out.push_back(p);
  return out;
}

bool Cgroup::kill_all() {
  std::error_code ec;
  if (version_ == CgroupVersion::kV2 && fs::exists(dir_ / "cgroup.kill", ec)) (void)write_text(dir_ / "cgroup.kill", "1");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (true) {
    auto ps = pids();
    if (ps.empty()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    for (pid_t p : ps)
      if (p > 0) ::kill(p, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

int ChildConfinement::apply_in_child() const noexcept {
  if (cgroup_procs_fd >= 0) {
    // "0" moves the writing process itself (v1 and v2).
    if (::write(cgroup_procs_fd, "0", 1) != 1) return errno ? errno : EIO;
  }
  if (nofile) {
    rlimit r{*nofile, *nofile};
    if (::setrlimit(RLIMIT_NOFILE, &r) != 0) return errno;
  }
  return 0;
}

std::optional<double> inherited_nofile() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return std::nullopt;
  return static_cast<double>(r.rlim_cur);
}

Status check_nofile(rlim_t n) {
  if (n < 1) return make_error("expected a number of file descriptors >= 1 (e.g. 1024)");
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_max != RLIM_INFINITY && n > r.rlim_max && ::geteuid() != 0)
    return make_error(fmt::format("above the hard limit {} that soak inherited; only root can raise it "
                                  "(lower N, or raise the hard limit with ulimit -Hn before soak)",
                                  r.rlim_max));
  if (auto text = read_text("/proc/sys/fs/nr_open")) {
    unsigned long long nr = 0;
    std::istringstream in(*text);
    if (in >> nr && n > nr)
      return make_error(fmt::format("above the kernel's maximum /proc/sys/fs/nr_open ({})", nr));
  }
  return Status::Ok();
}

namespace {

class CgroupMemoryProbe : public Probe {
 public:
  CgroupMemoryProbe(std::shared_ptr<const Cgroup> cg, Duration interval) : cg_(std::move(cg)), interval_(interval) {}
  std::string_view name() const override { return "cgroup"; }
  Duration interval() const override { return interval_; }
  std::vector<std::string> series() const override { return {"cgroup_memory_bytes"}; }
  Result<std::vector<Reading>> sample(const Target&) override {
    auto v = cg_->memory_bytes();
    if (!v) return v.error();
    return std::vector<Reading>{{"cgroup_memory_bytes", *v, std::nullopt}};
  }

 private:
  std::shared_ptr<const Cgroup> cg_;
  Duration interval_;
};

}  // namespace

std::unique_ptr<Probe> make_cgroup_probe(std::shared_ptr<const Cgroup> cgroup, Duration interval) {
  return std::make_unique<CgroupMemoryProbe>(std::move(cgroup), interval);
}

OomWatch::OomWatch(std::shared_ptr<const Cgroup> sut_cgroup) : sut_(std::move(sut_cgroup)) {
  if (!sut_) {
    if (auto h = detect_memory_cgroup()) {
      host_before_ = read_cgroup_oom_kills(h->own_dir, h->version);
      if (host_before_) host_ = *h;
    }
  }
  vmstat_before_ = read_vmstat_oom_kills();
}

bool OomWatch::oom_in_own_cgroup() const {
  if (!sut_ || sut_->oom_count_is_failcnt()) return false;
  auto n = sut_->oom_kills();
  return n && *n > 0;
}

bool OomWatch::oom_killed(bool killed_by_sigkill) const {
  if (sut_) {
    if (!sut_->oom_count_is_failcnt()) return oom_in_own_cgroup();
    auto fails = sut_->oom_kills();  // failcnt: the limit was hit
    return killed_by_sigkill && fails && *fails > 0;
  }
  if (!killed_by_sigkill) return false;
  if (host_) {
    auto after = read_cgroup_oom_kills(host_->own_dir, host_->version);
    if (after) return *after > *host_before_;
  }
  auto after = read_vmstat_oom_kills();
  return vmstat_before_ && after && *after > *vmstat_before_;
}

std::string OomWatch::source() const {
  if (sut_) return sut_->oom_count_is_failcnt() ? "the SUT's cgroup (memory.failcnt)" : "the SUT's cgroup";
  if (host_) return "soak's cgroup " + host_->own_path;
  return "/proc/vmstat";
}

}  // namespace soak
