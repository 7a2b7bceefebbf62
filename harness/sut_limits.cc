#include "harness/sut_limits.h"

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

#include "common/series.h"

namespace soak {

Result<std::optional<double>> parse_gomemlimit(std::string_view text) {
  if (text.empty() || text == "off") return std::optional<double>();
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) return make_error("expected a number of bytes with an optional unit (B, KiB, MiB, GiB, TiB) or off");
  double v = std::strtod(std::string(text.substr(0, i)).c_str(), nullptr);
  std::string_view unit = text.substr(i);
  static const std::pair<std::string_view, double> kUnits[] = {
      {"", 1}, {"B", 1}, {"KiB", 1024.0}, {"MiB", 1024.0 * 1024}, {"GiB", 1024.0 * 1024 * 1024},
      {"TiB", 1024.0 * 1024 * 1024 * 1024}};
  for (const auto& [u, f] : kUnits)
    if (unit == u) return std::optional<double>(v * f);
  return make_error(fmt::format("unknown unit \"{}\" (Go accepts B, KiB, MiB, GiB, TiB)", unit));
}

SeriesLimits known_limits(const RunConfig& c) {
  SeriesLimits l;
  l.memory_bytes = c.memory_limit_bytes;
  std::optional<std::string> gml;
  if (auto it = c.env.find("GOMEMLIMIT"); it != c.env.end()) gml = it->second;
  else if (const char* e = std::getenv("GOMEMLIMIT")) gml = e;
  if (gml)
    if (auto v = parse_gomemlimit(*gml); v.ok()) l.gomemlimit_bytes = *v;
  if (c.nofile) l.nofile = static_cast<double>(*c.nofile);
  else l.nofile = inherited_nofile();
  return l;
}

namespace {

// What would give `target` a limit, for the message when none is known.
std::string limit_hint(const std::string& target) {
  auto cands = budget_candidates(target);
  bool memory = false, go = false;
  for (const auto& c : cands) {
    memory = memory || analysis::is_memory_series(c);
    go = go || analysis::is_go_heap_series(c);
  }
  std::string level = fmt::format("a level budget such as {}<={}", target, memory ? "1GiB" : "1000");
  if (go) return fmt::format("--memory-limit SIZE, GOMEMLIMIT in the SUT's environment, or {}", level);
  if (memory) return fmt::format("--memory-limit SIZE or {}", level);
  if (target == "fds") return fmt::format("--nofile N or {}", level);
  return level;
}

Status check_endurance_budgets(const RunConfig& c) {
  SeriesLimits limits = known_limits(c);
  std::vector<std::tuple<std::string, double, std::string>> levels;
  for (const auto& b : c.budgets)
    if (b.kind == BudgetKind::kLevel)
      for (const auto& cand : budget_candidates(b.target)) levels.emplace_back(cand, b.limit, b.spec);
  for (const auto& b : c.budgets) {
    if (b.kind != BudgetKind::kEndurance) continue;
    bool known = false;
    for (const auto& cand : budget_candidates(b.target)) known = known || analysis::limit_for(cand, levels, limits);
    if (!known) {
      auto it = c.budget_origins.find(b.spec);
      std::string who = it == c.budget_origins.end() ? fmt::format("budget \"{}\"", b.spec)
                        : it->second.starts_with("--") ? fmt::format("{} \"{}\"", it->second, b.spec)
                                                        : fmt::format("{}: \"{}\"", it->second, b.spec);
      return make_error(fmt::format("{}: no known limit for {} to last {} before (give {})", who, b.target,
                                    analysis::format_time_to(b.limit), limit_hint(b.target)));
    }
  }
  return Status::Ok();
}

}  // namespace

Status validate_sut_limits(const RunConfig& c) {
  if (c.command.empty() && c.memory_limit_bytes)
    return make_error("--memory-limit/sut.memory_limit: needs a SUT command (soak confines only a process it launches)");
  if (c.command.empty() && c.nofile)
    return make_error("--nofile/sut.nofile: needs a SUT command (soak sets limits only for a process it launches)");
  if (c.nofile)
    if (auto st = check_nofile(static_cast<rlim_t>(*c.nofile)); !st)
      return make_error(fmt::format("--nofile/sut.nofile \"{}\": {}", *c.nofile, st.message()));
  if (c.memory_limit_bytes) {
    auto host = detect_memory_cgroup();
    if (!host) return make_error(fmt::format("--memory-limit: cannot make a memory cgroup here: {}", host.message()));
    if (auto st = check_memory_cgroup_possible(*host); !st)
      return make_error(fmt::format("--memory-limit: cannot make a memory cgroup here: {}", st.message()));
  }
  return check_endurance_budgets(c);
}

Result<std::unique_ptr<SutLimits>> SutLimits::prepare(const RunConfig& c) {
  std::unique_ptr<SutLimits> l(new SutLimits());
  l->limits_ = known_limits(c);
  if (c.nofile) l->nofile_ = static_cast<rlim_t>(*c.nofile);
  if (c.memory_limit_bytes && !c.command.empty()) {
    auto host = detect_memory_cgroup();
    if (!host) return make_error(fmt::format("--memory-limit: {}", host.message()));
    static int serial = 0;
    std::string name = fmt::format("soak-{}-{}", ::getpid(), ++serial);
    auto cg = Cgroup::create(*host, name, *c.memory_limit_bytes);
    if (!cg) return make_error(fmt::format("--memory-limit: {}", cg.message()));
    l->cgroup_ = std::move(*cg);
  }
  l->oom_ = std::make_unique<OomWatch>(l->cgroup_);
  return l;
}

SutLimits::~SutLimits() { (void)release(); }

ChildConfinement SutLimits::child() const {
  ChildConfinement c;
  if (cgroup_) c.cgroup_procs_fd = cgroup_->procs_fd();
  c.nofile = nofile_;
  return c;
}

std::vector<std::unique_ptr<Probe>> SutLimits::probes(Duration interval) const {
  std::vector<std::unique_ptr<Probe>> out;
  if (cgroup_) out.push_back(make_cgroup_probe(cgroup_, interval));
  return out;
}

nlohmann::json SutLimits::run_json_fields() const {
  nlohmann::json j{{"limits", to_json(limits_)}};
  if (cgroup_)
    j["cgroup"] = {{"path", cgroup_->dir().string()}, {"version", static_cast<int>(cgroup_->version())}};
  return j;
}

bool SutLimits::oom_in_tree() const { return oom_ && oom_->oom_in_own_cgroup(); }

bool SutLimits::oom_killed(bool killed_by_sigkill) const { return oom_ && oom_->oom_killed(killed_by_sigkill); }

nlohmann::json SutLimits::release() {
  if (!cgroup_) return nullptr;
  std::string path = cgroup_->dir().string();
  bool removed = cgroup_->remove();
  cgroup_.reset();  // the probe may still hold it; it is empty and gone
  return {{"path", path}, {"removed", removed}};
}

}  // namespace soak
