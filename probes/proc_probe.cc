#include "probes/proc_probe.h"

#include "probes/proc.h"

namespace soak {
namespace {

// rss, rss_anon, threads, fds, sockets and cpu_seconds of the SUT's tree at
// the base interval.
class ProcProbe final : public Probe {
 public:
  explicit ProcProbe(Duration interval) : interval_(interval), tree_(reader_) {}

  std::string_view name() const override { return "proc"; }
  Duration interval() const override { return interval_; }
  std::vector<std::string> series() const override {
    return {"rss_bytes", "rss_anon_bytes", "threads", "fds", "sockets", "cpu_seconds"};
  }
  Result<std::vector<Reading>> sample(const Target& target) override {
    auto s = tree_.sample(target.pid, ProcTree::Clock::now());
    if (!s) return s.error();
    std::vector<Reading> out;
    out.reserve(6);
    out.push_back({"rss_bytes", s->rss_bytes, std::nullopt});
    if (s->rss_anon_bytes) out.push_back({"rss_anon_bytes", *s->rss_anon_bytes, std::nullopt});
    out.push_back({"threads", static_cast<double>(s->threads), std::nullopt});
    out.push_back({"fds", static_cast<double>(s->fds), std::nullopt});
    out.push_back({"sockets", static_cast<double>(s->sockets), std::nullopt});
    out.push_back({"cpu_seconds", s->cpu_seconds, std::nullopt});
    return out;
  }

 private:
  Duration interval_;
  ProcReader reader_;
  ProcTree tree_;
};

// pss_bytes from smaps_rollup at its own, slower interval: reading it walks
// every mapping of the SUT under its mm lock.
class PssProbe final : public Probe {
 public:
  explicit PssProbe(Duration interval) : interval_(interval), tree_(reader_) {}

  std::string_view name() const override { return "pss"; }
  Duration interval() const override { return interval_; }
  std::vector<std::string> series() const override { return {"pss_bytes"}; }
  Result<std::vector<Reading>> sample(const Target& target) override {
    auto pss = tree_.pss_bytes(target.pid, ProcTree::Clock::now());
    if (!pss) return pss.error();
    return std::vector<Reading>{{"pss_bytes", *pss, std::nullopt}};
  }

 private:
  Duration interval_;
  ProcReader reader_;
  ProcTree tree_;
};

}  // namespace

std::vector<std::unique_ptr<Probe>> make_proc_probes(const ProbeOptions& options) {
  std::vector<std::unique_ptr<Probe>> probes;
  probes.push_back(std::make_unique<ProcProbe>(options.interval));
  probes.push_back(std::make_unique<PssProbe>(options.pss_interval));
  return probes;
}

}  // namespace soak
