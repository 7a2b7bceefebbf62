#include "probes/proc.h"

#include "common/posix.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <deque>
#include <unordered_set>

namespace soak {
namespace {

template <class T>
std::optional<T> to_number(std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The trimmed value of the first "Key:<ws>value" line; nullopt when absent.
std::optional<std::string_view> field_value(std::string_view text, std::string_view key) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.size() <= key.size() || line.compare(0, key.size(), key) != 0 ||
        line[key.size()] != ':')
      continue;
    return trim(line.substr(key.size() + 1));
  }
  return std::nullopt;
}

// Value of "Key:<ws>N kB" in a status/smaps_rollup text, in bytes. nullopt
// when the key is absent; error when present but malformed.
Result<std::optional<double>> kb_field(std::string_view text, std::string_view key) {
  auto v = field_value(text, key);
  if (!v) return std::optional<double>();
  if (v->size() < 3 || v->substr(v->size() - 3) != " kB")
    return make_error(std::string(key) + ": expected \"N kB\", got \"" + std::string(*v) + "\"");
  auto n = to_number<uint64_t>(trim(v->substr(0, v->size() - 3)));
  if (!n) return make_error(std::string(key) + ": not a number: \"" + std::string(*v) + "\"");
  return std::optional<double>(static_cast<double>(*n) * 1024.0);
}

// Plain "Key:<ws>N" field (Threads).
Result<std::optional<long>> count_field(std::string_view text, std::string_view key) {
  auto v = field_value(text, key);
  if (!v) return std::optional<long>();
  auto n = to_number<long>(*v);
  if (!n) return make_error(std::string(key) + ": not a number: \"" + std::string(*v) + "\"");
  return std::optional<long>(*n);
}

bool is_gone(int err) { return err == ENOENT || err == ESRCH; }

struct linux_dirent64 {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

// Calls f(name) for every entry of the open directory except "." and "..".
// Returns 0 or errno.
template <class F>
int for_each_dirent(int dirfd, std::vector<char>& buf, F&& f) {
  if (buf.size() < 32 * 1024) buf.resize(32 * 1024);
  for (;;) {
    long n = ::syscall(SYS_getdents64, dirfd, buf.data(), buf.size());
    if (n < 0) return errno;
    if (n == 0) return 0;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<linux_dirent64*>(buf.data() + off);
      off += d->d_reclen;
      const char* name = d->d_name;
      if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
      f(name);
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Parsers

Result<ProcStatus> parse_status(std::string_view text) {
  ProcStatus s;
  auto threads = count_field(text, "Threads");
  if (!threads) return threads.error();
  if (!*threads) return make_error("no \"Threads:\" line");
  s.threads = **threads;
  auto rss = kb_field(text, "VmRSS");
  if (!rss) return rss.error();
  if (*rss) {
    s.rss_bytes = **rss;
  } else {
    // Zombies (and kernel threads) have no mm and hence no Vm* lines.
    auto state = text.find("\nState:");
    bool zombie = false;
    if (state != std::string_view::npos) {
      std::string_view rest = trim(text.substr(state + 7, 4));
      zombie = !rest.empty() && (rest[0] == 'Z' || rest[0] == 'X');
    }
    if (!zombie) return make_error("no \"VmRSS:\" line");
  }
  auto anon = kb_field(text, "RssAnon");
  if (!anon) return anon.error();
  s.rss_anon_bytes = *anon;
  return s;
}

Result<ProcStat> parse_stat(std::string_view text) {
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return make_error("no \"(comm)\" field");
  }
  ProcStat s;
  auto pid = to_number<pid_t>(trim(text.substr(0, open)));
  if (!pid) return make_error("malformed pid field");
  s.pid = *pid;
  // Fields after ")": index 0 is field 3 (state).
  std::string_view rest = text.substr(close + 1);
  std::string_view fields[20];
  size_t n = 0;
  size_t pos = 0;
  while (n < 20) {
    while (pos < rest.size() && (rest[pos] == ' ' || rest[pos] == '\n')) ++pos;
    if (pos >= rest.size()) break;
    size_t end = rest.find_first_of(" \n", pos);
    if (end == std::string_view::npos) end = rest.size();
    fields[n++] = rest.substr(pos, end - pos);
    pos = end;
  }
  if (n < 20) {
    return make_error("truncated: " + std::to_string(n + 2) + " fields, need at least 22");
  }
  auto field = [&](int number) { return fields[number - 3]; };
  if (field(3).size() != 1) return make_error("malformed state field");
  s.state = field(3)[0];
  auto ppid = to_number<pid_t>(field(4));
  auto pgrp = to_number<pid_t>(field(5));
  auto ut = to_number<uint64_t>(field(14));
  auto st = to_number<uint64_t>(field(15));
  // cutime/cstime are signed in the kernel's format (long) but never negative.
  auto cut = to_number<int64_t>(field(16));
  auto cst = to_number<int64_t>(field(17));
  auto nt = to_number<long>(field(20));
  auto start = to_number<uint64_t>(field(22));
  if (!ppid || !pgrp || !ut || !st || !cut || !cst || !nt || !start || *cut < 0 || *cst < 0) {
    return make_error("malformed numeric field");
  }
  s.ppid = *ppid;
  s.pgrp = *pgrp;
  s.utime_ticks = *ut;
  s.stime_ticks = *st;
  s.cutime_ticks = static_cast<uint64_t>(*cut);
  s.cstime_ticks = static_cast<uint64_t>(*cst);
  s.num_threads = *nt;
  s.starttime_ticks = *start;
  return s;
}

Result<double> parse_smaps_rollup_pss(std::string_view text) {
  auto pss = kb_field(text, "Pss");
  if (!pss) return pss.error();
  if (!*pss) return make_error("no \"Pss:\" line");
  return **pss;
}

Result<std::vector<pid_t>> parse_pid_list(std::string_view text) {
  std::vector<pid_t> pids;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = text.find_first_not_of(" \t\n", pos);
    if (start == std::string_view::npos) break;
    size_t end = text.find_first_of(" \t\n", start);
    if (end == std::string_view::npos) end = text.size();
    auto pid = to_number<pid_t>(text.substr(start, end - start));
    if (!pid || *pid <= 0) {
      return make_error("not a pid: \"" + std::string(text.substr(start, end - start)) + "\"");
    }
    pids.push_back(*pid);
    pos = end;
  }
  return pids;
}

Result<pid_t> parse_loadavg_last_pid(std::string_view text) {
  // "0.12 0.34 0.56 2/170 22779"
  size_t pos = 0;
  std::string_view field;
  for (int i = 0; i < 5; ++i) {
    size_t start = text.find_first_not_of(" \n", pos);
    if (start == std::string_view::npos) return make_error("fewer than 5 fields");
    size_t end = text.find_first_of(" \n", start);
    if (end == std::string_view::npos) end = text.size();
    field = text.substr(start, end - start);
    pos = end;
  }
  auto pid = to_number<pid_t>(field);
  if (!pid) return make_error("malformed last pid \"" + std::string(field) + "\"");
  return *pid;
}

// ---------------------------------------------------------------------------
// ProcReader

ProcReader::ProcReader(std::filesystem::path root) : root_(std::move(root)) {
  root_prefix_ = root_.string();
  if (root_prefix_.empty() || root_prefix_.back() != '/') root_prefix_ += '/';
  struct statfs sfs {};
  is_procfs_ = ::statfs(root_prefix_.c_str(), &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
  long tck = ::sysconf(_SC_CLK_TCK);
  if (tck > 0) ticks_per_second_ = static_cast<double>(tck);
  buf_.reserve(8192);
  path_.reserve(128);
}

const std::string& ProcReader::path_of(pid_t pid, std::string_view file) {
  path_ = root_prefix_;
  char num[16];
  auto [p, ec] = std::to_chars(num, num + sizeof num, pid);
  path_.append(num, p);
  if (!file.empty()) {
    path_ += '/';
    path_ += file;
  }
  return path_;
}

Error ProcReader::read_error(const std::string& path) const {
  return make_error(path + ": " + std::strerror(err_));
}

ProcReader::ReadOutcome ProcReader::read_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    err_ = errno;
    return is_gone(err_) ? ReadOutcome::kGone : ReadOutcome::kError;
  }
  buf_.clear();
  size_t size = 0;
  for (;;) {
    if (buf_.size() < size + 4096) buf_.resize(std::max<size_t>(buf_.capacity(), size + 4096));
    ssize_t n = ::read(fd.get(), buf_.data() + size, buf_.size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      err_ = errno;
      // A process that exits between open and read gives ESRCH.
      return is_gone(err_) ? ReadOutcome::kGone : ReadOutcome::kError;
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  buf_.resize(size);
  return ReadOutcome::kOk;
}

template <class Parse>
auto ProcReader::read_parsed(pid_t pid, std::string_view file, Parse parse)
    -> Result<std::optional<typename std::invoke_result_t<Parse, const std::string&>::value_type>> {
  using T = typename std::invoke_result_t<Parse, const std::string&>::value_type;
  const std::string& path = path_of(pid, file);
  switch (read_file(path)) {
    case ReadOutcome::kGone: return std::optional<T>();
    case ReadOutcome::kError: return read_error(path);
    case ReadOutcome::kOk: break;
  }
  auto s = parse(buf_);
  if (!s) return make_error(path + ": " + s.message());
  return std::optional<T>(*s);
}

Result<std::optional<ProcStatus>> ProcReader::status(pid_t pid) {
  return read_parsed(pid, "status", [](const std::string& b) { return parse_status(b); });
}

Result<std::optional<ProcStat>> ProcReader::stat(pid_t pid) {
  return read_parsed(pid, "stat", [](const std::string& b) { return parse_stat(b); });
}

Result<std::optional<double>> ProcReader::pss_bytes(pid_t pid) {
  // A zombie's smaps_rollup is empty: it maps nothing.
  return read_parsed(pid, "smaps_rollup", [](const std::string& b) -> Result<double> {
    if (b.empty()) return 0.0;
    return parse_smaps_rollup_pss(b);
  });
}

Result<std::optional<FdCounts>> ProcReader::fds(pid_t pid, bool sockets) {
  const std::string& path = path_of(pid, "fd");
  Fd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) {
    err_ = errno;
    if (is_gone(err_)) return std::optional<FdCounts>();
    return read_error(path);
  }
  FdCounts c;
  if (!sockets && is_procfs_) {
    // Linux >= 6.2 reports the number of open fds as the size; 0 on older
    // kernels (and for a process without fds, where listing is free anyway).
    struct stat st {};
    if (::fstat(dir.get(), &st) == 0 && st.st_size > 0) {
      c.fds = static_cast<long>(st.st_size);
      return std::optional<FdCounts>(c);
    }
  }
  long socket_count = 0;
  char link[64];
  constexpr std::string_view kSocket = "socket:[";
  int rc = for_each_dirent(dir.get(), dents_, [&](const char* name) {
    ++c.fds;
    if (!sockets) return;
    ssize_t n = ::readlinkat(dir.get(), name, link, sizeof link);
    // An fd closed since the listing (ENOENT) is simply not a socket.
    if (n >= static_cast<ssize_t>(kSocket.size()) &&
        std::string_view(link, kSocket.size()) == kSocket)
      ++socket_count;
  });
  if (rc != 0) {
    err_ = rc;
    if (is_gone(rc)) return std::optional<FdCounts>();
    return read_error(path);
  }
  if (sockets) c.sockets = socket_count;
  return std::optional<FdCounts>(c);
}

bool ProcReader::has_children_files() {
  if (!has_children_files_) {
    // Probe with our own process on the real /proc; under a captured root,
    // look for any task/*/children file of any process.
    bool found = false;
    if (is_procfs_) {
      std::string p = root_prefix_ + "self/task/" + std::to_string(::gettid()) + "/children";
      found = ::access(p.c_str(), R_OK) == 0;
    } else {
      std::error_code ec;
      for (auto& proc : std::filesystem::directory_iterator(root_, ec)) {
        std::error_code ec2;
        for (auto& task : std::filesystem::directory_iterator(proc.path() / "task", ec2)) {
          if (std::filesystem::exists(task.path() / "children")) found = true;
          break;
        }
        if (found) break;
      }
    }
    has_children_files_ = found;
  }
  return *has_children_files_;
}

Result<std::optional<std::vector<pid_t>>> ProcReader::children(pid_t pid) {
  std::string task_dir = path_of(pid, "task");
  Fd dir(::open(task_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) {
    err_ = errno;
    if (is_gone(err_)) return std::optional<std::vector<pid_t>>();
    return make_error(task_dir + ": " + std::strerror(err_));
  }
  std::vector<std::string> tids;
  int rc = for_each_dirent(dir.get(), dents_, [&](const char* name) { tids.emplace_back(name); });
  if (rc != 0) {
    if (is_gone(rc)) return std::optional<std::vector<pid_t>>();
    return make_error(task_dir + ": " + std::strerror(rc));
  }
  std::vector<pid_t> kids;
  for (const auto& tid : tids) {
    std::string path = task_dir + "/" + tid + "/children";
    switch (read_file(path)) {
      case ReadOutcome::kGone: continue;  // thread ended, or no children files at all
      case ReadOutcome::kError: return read_error(path);
      case ReadOutcome::kOk: break;
    }
    auto list = parse_pid_list(buf_);
    if (!list) return make_error(path + ": " + list.message());
    kids.insert(kids.end(), list->begin(), list->end());
  }
  return std::optional<std::vector<pid_t>>(std::move(kids));
}

Result<std::unordered_map<pid_t, ProcStat>> ProcReader::all_stats() {
  Fd dir(::open(root_prefix_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) {
    err_ = errno;
    return read_error(root_prefix_);
  }
  std::vector<pid_t> pids;
  int rc = for_each_dirent(dir.get(), dents_, [&](const char* name) {
    if (auto pid = to_number<pid_t>(name)) pids.push_back(*pid);
  });
  if (rc != 0) return make_error(root_prefix_ + ": " + std::strerror(rc));
  std::unordered_map<pid_t, ProcStat> stats;
  stats.reserve(pids.size());
  for (pid_t pid : pids) {
    auto s = stat(pid);
    // Other users' processes and racing exits are not our concern here.
    if (!s || !*s) continue;
    stats.emplace(pid, **s);
  }
  return stats;
}

std::optional<pid_t> ProcReader::last_pid() {
  if (read_file(root_prefix_ + "loadavg") != ReadOutcome::kOk) return std::nullopt;
  auto p = parse_loadavg_last_pid(buf_);
  if (!p) return std::nullopt;
  return *p;
}

// ---------------------------------------------------------------------------
// ProcTree

ProcTree::ProcTree(ProcReader& reader, Duration min_rescan)
    : reader_(reader), min_rescan_(min_rescan) {}

Result<std::vector<pid_t>> ProcTree::members(pid_t root, Clock::time_point now) {
  if (root != root_) {
    root_ = root;
    known_.clear();
    last_scan_.reset();
    last_scan_pid_.reset();
  }
  std::vector<pid_t> out{root};
  if (reader_.has_children_files()) {
    // Breadth-first over children files: exact and cheap.
    for (size_t i = 0; i < out.size(); ++i) {
      auto kids = reader_.children(out[i]);
      if (!kids) return kids.error();
      if (!*kids) {
        if (i == 0) return make_error("process " + std::to_string(root) + " not found under " +
                                      reader_.root().string());
        continue;  // vanished mid-walk
      }
      out.insert(out.end(), (*kids)->begin(), (*kids)->end());
    }
    return out;
  }
  // No children files: rescan /proc when a pid was handed out since the
  // last scan (a new descendant is possible), at most every min_rescan_.
  // loadavg is read only when a rescan is due: it costs as much as a stat.
  bool due = !last_scan_ || now - *last_scan_ >= min_rescan_;
  std::optional<pid_t> last;
  if (due) last = reader_.last_pid();
  bool changed = !last || !last_scan_pid_ || *last != *last_scan_pid_;
  if (due && changed) {
    auto stats = reader_.all_stats();
    if (!stats) return stats.error();
    if (!stats->count(root)) {
      return make_error("process " + std::to_string(root) + " not found under " +
                        reader_.root().string());
    }
    std::unordered_map<pid_t, std::vector<pid_t>> kids;
    for (const auto& [pid, st] : *stats) kids[st.ppid].push_back(pid);
    known_.clear();
    known_start_.clear();
    std::deque<pid_t> queue{root};
    std::unordered_set<pid_t> seen{root};
    while (!queue.empty()) {
      pid_t p = queue.front();
      queue.pop_front();
      auto it = kids.find(p);
      if (it == kids.end()) continue;
      for (pid_t c : it->second) {
        if (seen.insert(c).second) {
          known_.push_back(c);
          known_start_[c] = stats->at(c).starttime_ticks;
          queue.push_back(c);
        }
      }
    }
    last_scan_pid_ = last;
  }
  if (due) last_scan_ = now;  // checked: next look in min_rescan_
  out.insert(out.end(), known_.begin(), known_.end());
  return out;
}

Result<TreeSample> ProcTree::sample(pid_t root, Clock::time_point now) {
  auto pids = members(root, now);
  if (!pids) return pids.error();
  TreeSample total;
  const double tps = reader_.ticks_per_second();
  bool first = true;
  for (pid_t pid : *pids) {
    const bool is_root = first;
    first = false;
    auto gone = [&]() -> Status {
      if (is_root) {
        return make_error("process " + std::to_string(root) + " has exited (no " +
                          reader_.root().string() + "/" + std::to_string(root) + ")");
      }
      return Status::Ok();
    };
    auto st = reader_.stat(pid);
    if (!st) return st.error();
    if (!*st) {
      SOAK_TRY(gone());
      continue;
    }
    auto status = reader_.status(pid);
    if (!status) return status.error();
    if (!*status) {
      SOAK_TRY(gone());
      continue;
    }
    auto fd = reader_.fds(pid, /*sockets=*/true);
    if (!fd) return fd.error();
    if (!*fd) {
      SOAK_TRY(gone());
      continue;
    }
    const ProcStat& s = **st;
    if (auto it = known_start_.find(pid); !is_root && it != known_start_.end() &&
                                          it->second != s.starttime_ticks) {
      continue;  // the descendant exited and its pid was reused
    }
    const ProcStatus& ps = **status;
    total.rss_bytes += ps.rss_bytes;
    if (ps.rss_anon_bytes) total.rss_anon_bytes = total.rss_anon_bytes.value_or(0) + *ps.rss_anon_bytes;
    total.threads += ps.threads;
    total.fds += (*fd)->fds;
    total.sockets += (*fd)->sockets.value_or(0);
    total.cpu_seconds +=
        static_cast<double>(s.utime_ticks + s.stime_ticks + s.cutime_ticks + s.cstime_ticks) / tps;
    ++total.processes;
  }
  return total;
}

Result<double> ProcTree::pss_bytes(pid_t root, Clock::time_point now) {
  auto pids = members(root, now);
  if (!pids) return pids.error();
  double total = 0;
  for (size_t i = 0; i < pids->size(); ++i) {
    auto p = reader_.pss_bytes((*pids)[i]);
    if (!p) return p.error();
    if (!*p) {
      if (i == 0) {
        return make_error("process " + std::to_string(root) + " has exited (no " +
                          reader_.root().string() + "/" + std::to_string(root) + ")");
      }
      continue;
    }
    total += **p;
  }
  return total;
}

}  // namespace soak
