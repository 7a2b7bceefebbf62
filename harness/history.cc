#include "harness/history.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "analysis/verdict_text.h"
#include "common/posix.h"
#include "common/series.h"

namespace soak {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kSchema = "soak.history/v1";

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::optional<double> opt_number(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  double v = it->get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

std::string opt_string(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json number_or_null(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? json(*v) : json(nullptr);
}

std::string iso_utc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<std::time_t> parse_iso_utc(const std::string& s) {
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!end || *end) return std::nullopt;
  return timegm(&tm);
}

std::string read_small_file(const fs::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// The .git directory for `dir` and the common directory holding refs (they
// differ in a worktree, where .git is a file "gitdir: ...").
std::optional<std::pair<fs::path, fs::path>> find_git_dir(const fs::path& dir) {
  std::error_code ec;
  fs::path p = fs::absolute(dir, ec);
  if (ec) return std::nullopt;
  for (; !p.empty(); p = p.parent_path()) {
    fs::path g = p / ".git";
    if (fs::is_directory(g, ec)) return std::make_pair(g, g);
    if (fs::is_regular_file(g, ec)) {
      std::string line = read_small_file(g);
      if (!line.starts_with("gitdir: ")) return std::nullopt;
      fs::path gd = line.substr(8);
      if (gd.is_relative()) gd = p / gd;
      fs::path common = gd;
      std::string c = read_small_file(gd / "commondir");
      if (!c.empty()) common = fs::path(c).is_relative() ? gd / c : fs::path(c);
      return std::make_pair(gd, common);
    }
    if (p == p.root_path()) break;
  }
  return std::nullopt;
}

bool is_hex_sha(const std::string& s) {
  if (s.size() != 40 && s.size() != 64) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::string resolve_ref(const fs::path& common, const std::string& ref) {
  std::string v = read_small_file(common / ref);
  if (is_hex_sha(v)) return v;
  std::ifstream packed(common / "packed-refs");
  std::string line;
  while (std::getline(packed, line)) {
    if (line.size() > 41 && line[40] == ' ' && line.substr(41) == ref && is_hex_sha(line.substr(0, 40)))
      return line.substr(0, 40);
  }
  return "";
}

std::string format_rate(double v, const std::string& series, const std::string& per) {
  return analysis::format_amount(v, series_unit(series)) + "/" + (per.empty() ? "h" : per);
}

}  // namespace

// ---- settings ----------------------------------------------------------------

Result<HistorySettings> history_settings_from_json(const json& j, HistorySettings base) {
  if (!j.is_object())
    return make_error(fmt::format("history: expected an object like {{\"file\": \"soak-history.jsonl\"}}, got {}",
                                  j.dump()));
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "file" && it.key() != "warn_only" && it.key() != "build")
      return make_error(fmt::format("history.{}: unknown key (expected one of: file, warn_only, build)", it.key()));
  if (auto it = j.find("file"); it != j.end()) {
    if (!it->is_string() || it->get<std::string>().empty())
      return make_error(fmt::format("history.file: expected a path like \"soak-history.jsonl\", got {}", it->dump()));
    base.file = it->get<std::string>();
  }
  if (auto it = j.find("warn_only"); it != j.end()) {
    if (!it->is_boolean()) return make_error(fmt::format("history.warn_only: expected true or false, got {}", it->dump()));
    base.warn_only = it->get<bool>();
  }
  if (auto it = j.find("build"); it != j.end()) {
    if (!it->is_string()) return make_error(fmt::format("history.build: expected a string, got {}", it->dump()));
    base.build = it->get<std::string>();
  }
  return base;  // a missing file is reported by validation (--history may still give it)
}

json history_settings_to_json(const HistorySettings& s) {
  json j{{"file", s.file.string()}, {"warn_only", s.warn_only}};
  if (!s.build.empty()) j["build"] = s.build;
  return j;
}

// ---- records ----------------------------------------------------------------

json to_json(const HistoryRecord& r) {
  json j;
  j["schema"] = kSchema;
  j["build"] = r.build;
  j["time"] = r.time;
  j["timestamp"] = r.timestamp;
  j["commit"] = r.commit.empty() ? json(nullptr) : json(r.commit);
  if (!r.branch.empty()) j["branch"] = r.branch;
  j["machine"] = r.machine.is_object() ? r.machine : json::object();
  j["machine_class"] = r.machine_class;
  j["status"] = r.status;
  if (!r.run_dir.empty()) j["run_dir"] = r.run_dir;
  j["series"] = json::array();
  for (const auto& s : r.series) {
    json x{{"series", s.series}, {"budget", s.budget}, {"per", s.per}, {"limit", s.limit},
           {"slope", number_or_null(s.slope)}, {"se", number_or_null(s.se)},
           {"ci_low", number_or_null(s.ci_low)}, {"ci_high", number_or_null(s.ci_high)},
           {"n", s.n}, {"n_eff", s.n_eff}, {"verdict", s.verdict}};
    if (!s.regression.empty()) x["regression"] = s.regression;
    j["series"].push_back(std::move(x));
  }
  return j;
}

Result<HistoryRecord> history_record_from_json(const json& j) {
  if (!j.is_object()) return make_error("not a JSON object");
  if (auto s = opt_string(j, "schema"); s != kSchema)
    return make_error(fmt::format("schema is \"{}\", expected \"{}\"", s, kSchema));
  HistoryRecord r;
  r.build = opt_string(j, "build");
  if (r.build.empty()) return make_error("missing \"build\"");
  r.time = opt_string(j, "time");
  r.timestamp = opt_number(j, "timestamp").value_or(0);
  r.commit = opt_string(j, "commit");
  r.branch = opt_string(j, "branch");
  if (auto it = j.find("machine"); it != j.end() && it->is_object()) r.machine = *it;
  r.machine_class = opt_string(j, "machine_class");
  if (r.machine_class.empty()) r.machine_class = machine_class(r.machine);
  r.status = opt_string(j, "status");
  r.run_dir = opt_string(j, "run_dir");
  auto it = j.find("series");
  if (it == j.end() || !it->is_array()) return make_error("missing \"series\" (expected an array)");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& x = (*it)[i];
    if (!x.is_object()) return make_error(fmt::format("series[{}]: not an object", i));
    HistorySeries s;
    s.series = opt_string(x, "series");
    if (s.series.empty()) return make_error(fmt::format("series[{}]: missing \"series\"", i));
    s.budget = opt_string(x, "budget");
    s.per = opt_string(x, "per");
    if (s.per.empty()) s.per = "h";
    s.limit = opt_number(x, "limit").value_or(0);
    s.slope = opt_number(x, "slope");
    s.se = opt_number(x, "se");
    s.ci_low = opt_number(x, "ci_low");
    s.ci_high = opt_number(x, "ci_high");
    s.n = opt_number(x, "n").value_or(0);
    s.n_eff = opt_number(x, "n_eff").value_or(0);
    s.verdict = opt_string(x, "verdict");
    s.regression = opt_string(x, "regression");
    r.series.push_back(std::move(s));
  }
  return r;
}

// ---- the file ---------------------------------------------------------------

Result<HistoryFile> read_history(const fs::path& file) {
  HistoryFile out;
  std::error_code ec;
  if (!fs::exists(file, ec)) return out;
  if (fs::is_directory(file, ec)) return make_error(fmt::format("--history {}: is a directory", file.string()));
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(fmt::format("--history {}: cannot read: {}", file.string(), std::strerror(errno)));
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      out.warnings.push_back(fmt::format("{}:{}: not valid JSON; line skipped", file.string(), n));
      continue;
    }
    auto r = history_record_from_json(j);
    if (!r) {
      out.warnings.push_back(fmt::format("{}:{}: {}; line skipped", file.string(), n, r.message()));
      continue;
    }
    r->line = n;
    out.records.push_back(std::move(*r));
  }
  return out;
}

Status append_history(const fs::path& file, const HistoryRecord& record) {
  std::string text = to_json(record).dump() + "\n";
  Fd fd(::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) return make_error(fmt::format("--history {}: cannot open for appending: {}", file.string(), std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && st.st_size > 0) {
    // A reader fd for the last byte (the append fd cannot pread reliably).
    Fd rd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    char last = '\n';
    if (rd && ::pread(rd.get(), &last, 1, st.st_size - 1) == 1 && last != '\n') text.insert(text.begin(), '\n');
  }
  size_t done = 0;
  while (done < text.size()) {
    ssize_t w = ::write(fd.get(), text.data() + done, text.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return make_error(fmt::format("--history {}: write failed: {}", file.string(), std::strerror(errno)));
    }
    done += static_cast<size_t>(w);
  }
  if (::fsync(fd.get()) != 0)
    return make_error(fmt::format("--history {}: fsync failed: {}", file.string(), std::strerror(errno)));
  return Status::Ok();
}

Status check_history_file(const fs::path& file) {
  if (file.empty())
    return make_error("--history / config history.file: missing (expected a file, e.g. soak-history.jsonl)");
  std::error_code ec;
  if (fs::is_directory(file, ec))
    return make_error(fmt::format("--history {}: is a directory (expected a file)", file.string()));
  if (fs::exists(file, ec)) {
    if (::access(file.c_str(), R_OK | W_OK) != 0)
      return make_error(fmt::format("--history {}: cannot read and append: {}", file.string(), std::strerror(errno)));
    return Status::Ok();
  }
  fs::path parent = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  if (!fs::is_directory(parent, ec))
    return make_error(fmt::format("--history {}: directory {} does not exist", file.string(), parent.string()));
  if (::access(parent.c_str(), W_OK) != 0)
    return make_error(fmt::format("--history {}: cannot create it in {}: {}", file.string(), parent.string(),
                                  std::strerror(errno)));
  return Status::Ok();
}

// ---- machine and build facts -----------------------------------------------

std::string machine_class(const json& m) {
  auto part = [](const std::string& s) { return s.empty() ? std::string("?") : s; };
  std::string arch = m.is_object() ? opt_string(m, "arch") : "";
  std::string cores = "?", mem = "?", kernel = "?";
  if (m.is_object()) {
    if (auto c = opt_number(m, "cores"); c && *c > 0) cores = fmt::format("{}c", static_cast<long long>(*c));
    if (auto b = opt_number(m, "memory_bytes"); b && *b > 0)
      mem = fmt::format("{}GiB", std::max(1LL, std::llround(*b / (1024.0 * 1024 * 1024))));
    // "Linux 6.1.0-18-amd64" -> "linux-6.1"
    std::string k = opt_string(m, "kernel");
    if (!k.empty()) {
      std::string name = k.substr(0, k.find(' '));
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      std::string rel = k.find(' ') == std::string::npos ? "" : k.substr(k.find(' ') + 1);
      size_t dot1 = rel.find('.');
      size_t dot2 = dot1 == std::string::npos ? std::string::npos : rel.find_first_not_of("0123456789", dot1 + 1);
      kernel = name + (dot1 == std::string::npos ? "" : "-" + rel.substr(0, dot2));
    }
  }
  return fmt::format("{}/{}/{}/{}", part(arch), cores, mem, kernel);
}

std::string git_commit(const fs::path& dir) {
  if (std::string sha = env("GITHUB_SHA"); !sha.empty()) return sha;
  auto g = find_git_dir(dir);
  if (!g) return "";
  std::string head = read_small_file(g->first / "HEAD");
  if (is_hex_sha(head)) return head;  // detached
  if (head.starts_with("ref: ")) return resolve_ref(g->second, head.substr(5));
  return "";
}

std::string git_branch(const fs::path& dir) {
  if (std::string b = env("GITHUB_REF_NAME"); !b.empty()) return b;
  auto g = find_git_dir(dir);
  if (!g) return "";
  std::string head = read_small_file(g->first / "HEAD");
  if (head.starts_with("ref: refs/heads/")) return head.substr(16);
  return "";
}

// ---- judging a run ------------------------------------------------------------

Result<PendingHistory> judge_history(const HistorySettings& settings, const json& run, const fs::path& run_dir,
                                     Judgement& judgement) {
  auto file = read_history(settings.file);
  if (!file) return file.error();
  for (const auto& w : file->warnings) judgement.warnings.push_back("history: " + w);

  PendingHistory p;
  p.settings = settings;
  HistoryRecord& rec = p.record;
  if (auto it = run.find("host"); it != run.end() && it->is_object()) {
    for (const char* k : {"arch", "kernel", "cores", "memory_bytes"})
      if (it->contains(k)) rec.machine[k] = (*it)[k];
  }
  if (!rec.machine.is_object()) rec.machine = json::object();
  rec.machine_class = machine_class(rec.machine);
  std::time_t now = std::time(nullptr);
  std::string start = opt_string(run, "start_utc");
  auto start_t = parse_iso_utc(start);
  rec.timestamp = static_cast<double>(start_t.value_or(now));
  rec.time = iso_utc(start_t.value_or(now));
  rec.commit = git_commit(fs::current_path());
  rec.branch = git_branch(fs::current_path());
  rec.build = !settings.build.empty() ? settings.build : !rec.commit.empty() ? rec.commit.substr(0, 12) : rec.time;
  std::error_code ec;
  rec.run_dir = fs::absolute(run_dir, ec).lexically_normal().string();

  for (const auto& old : file->records)
    if (old.build == rec.build) {
      judgement.warnings.push_back(fmt::format(
          "history: build {} is already recorded in {} (line {}); this run is judged without it and appended again",
          rec.build, settings.file.string(), old.line));
      break;
    }

  std::vector<BudgetResult> rows;
  for (const auto& b : judgement.budgets) {
    if (b.kind != "slope" || b.series.empty()) continue;
    HistorySeries hs;
    hs.series = b.series;
    hs.budget = b.spec;
    hs.per = b.per.empty() ? "h" : b.per;
    hs.limit = b.limit;
    hs.verdict = std::string(to_string(b.verdict));
    hs.slope = b.observed;
    hs.ci_low = b.ci_low;
    hs.ci_high = b.ci_high;
    for (const auto& s : judgement.series)
      if (s.name == b.series && s.trend) {
        hs.n = s.trend->n_blocks;
        hs.n_eff = s.trend->n_eff;
      }
    hs.se = analysis::regression_se(b, judgement);

    // Earlier builds of this series, budget unit and machine class.
    std::vector<analysis::HistoryPoint> points;
    std::vector<double> slopes;
    std::vector<const HistoryRecord*> owners;
    for (const auto& old : file->records) {
      if (old.machine_class != rec.machine_class || old.build == rec.build) continue;
      for (const auto& s : old.series) {
        if (s.series != hs.series || s.per != hs.per || !s.slope) continue;
        points.push_back({*s.slope, s.se.value_or(0), s.verdict != "fail" && s.regression != "fail"});
        slopes.push_back(*s.slope);
        owners.push_back(&old);
      }
    }
    if (!hs.slope) {
      rec.series.push_back(std::move(hs));
      continue;
    }
    auto r = analysis::judge_regression(points, *hs.slope, hs.se.value_or(0), hs.limit, settings.regression);
    const std::string& series = hs.series;
    if (!r.judged) {
      judgement.warnings.push_back(fmt::format(
          "history: {} has {} earlier passing build(s) of machine class {} in {}; regressions are judged from {}",
          series, r.n_baseline, rec.machine_class, settings.file.string(), settings.regression.min_builds));
      rec.series.push_back(std::move(hs));
      continue;
    }

    // Confirmation: E-divisive over the recent builds and this one.
    size_t from = slopes.size() > static_cast<size_t>(settings.regression.cp_window - 1)
                      ? slopes.size() - (settings.regression.cp_window - 1)
                      : 0;
    std::vector<double> xs(slopes.begin() + static_cast<long>(from), slopes.end());
    xs.push_back(*hs.slope);
    auto cps = analysis::e_divisive(xs, settings.regression.cp_alpha);
    std::string confirm;
    if (!cps.empty() && cps.back().mean_after > cps.back().mean_before) {
      const auto& cp = cps.back();
      size_t idx = from + cp.index;  // index into owners; == owners.size() is this build
      std::string since = idx < owners.size() ? owners[idx]->build : rec.build;
      confirm = fmt::format("E-divisive finds a persistent shift from {} to {} since build {} (t-test p={:.2g})",
                            format_rate(cp.mean_before, series, hs.per), format_rate(cp.mean_after, series, hs.per),
                            since, cp.p);
    }

    BudgetResult row;
    row.spec = "regression:" + b.spec;
    row.series = b.series;
    row.kind = "regression";
    row.per = b.per;
    row.alias = b.alias;
    // The slope above which this build would have been a regression.
    row.limit = r.median + std::max(r.floor, std::isfinite(r.scale) ? settings.regression.z * r.scale : 0.0);
    row.observed = hs.slope;
    row.ci_low = b.ci_low;
    row.ci_high = b.ci_high;
    std::string stats = fmt::format("{} vs median {} of the last {} passing builds (robust z {:.1f}, rise {}, floor {})",
                                    format_rate(*hs.slope, series, hs.per), format_rate(r.median, series, hs.per),
                                    r.n_baseline, r.z, format_rate(r.rise, series, hs.per),
                                    format_rate(r.floor, series, hs.per));
    if (r.regressed) {
      std::string what = fmt::format("slope rose above the build history: {}; {}", stats,
                                     confirm.empty() ? "not yet confirmed as a persistent shift (E-divisive needs "
                                                       "two builds at the new level)"
                                                     : "confirmed: " + confirm);
      if (settings.warn_only) {
        row.verdict = Verdict::kPass;
        row.reason = "warning only (--history-warn-only): " + what;
        judgement.warnings.push_back(fmt::format("history: {} regressed ({}); --history-warn-only keeps it from "
                                                 "failing",
                                                 series, stats));
        hs.regression = "warn";
      } else {
        row.verdict = Verdict::kFail;
        row.reason = what;
        hs.regression = "fail";
      }
    } else {
      row.verdict = Verdict::kPass;
      row.reason = "within the build history: " + stats;
      hs.regression = "pass";
      if (!confirm.empty()) judgement.warnings.push_back(fmt::format("history: {}: {}", series, confirm));
    }
    rows.push_back(std::move(row));
    rec.series.push_back(std::move(hs));
  }
  judgement.budgets.insert(judgement.budgets.end(), rows.begin(), rows.end());
  return p;
}

Status finish_history(PendingHistory& pending, const Summary& summary) {
  pending.record.status = std::string(to_string(summary.status));
  return append_history(pending.settings.file, pending.record);
}

}  // namespace soak
