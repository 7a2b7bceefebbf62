#include "workloads/http_load.h"

#include <filesystem>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "workloads/http_config.h"
#include "workloads/http_engine.h"

namespace soak {
namespace {

double to_ms(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e6; }

std::optional<double> quantile_ms(const LatencyHistogram& h, double q) {
  auto v = h.quantile(q);
  if (!v) return std::nullopt;
  return to_ms(*v);
}

// The built-in HTTP load as a Workload; its figures are also series
// (requests, errors, latency_p50_ms, latency_p99_ms).
class HttpWorkload final : public Workload, public ReadingSource {
 public:
  explicit HttpWorkload(HttpLoadConfig config) : config_(std::move(config)) {}
  ~HttpWorkload() override { stop(); }

  std::string_view name() const override { return "http"; }

  Status start(const WorkloadContext& context) override {
    if (engine_) return make_error("the HTTP workload was already started");
    log_path_ = context.log_path;
    engine_ = std::make_unique<HttpLoadEngine>(config_);
    return engine_->start();
  }

  void stop() override {
    if (!engine_ || stopped_) return;
    stopped_ = true;
    engine_->stop();
    write_log();
  }

  std::optional<Error> failure() const override {
    if (auto f = engine_ ? engine_->failure() : std::nullopt) return f;
    return log_error_;  // workload.log could not be written (a full disk)
  }

  WorkloadSummary summary() const override {
    WorkloadSummary s;
    s.target_rate_per_s = config_.rate;
    if (!engine_) return s;
    auto c = engine_->counters();
    s.requests = c.requests;
    s.errors = c.errors;
    for (size_t i = 0; i < c.errors_by_kind.size(); ++i)
      if (c.errors_by_kind[i] > 0) s.errors_by_kind[std::string(to_string(static_cast<HttpErrorKind>(i)))] = c.errors_by_kind[i];
    s.dropped = c.dropped;
    s.aborted = c.aborted;
    s.timed_out = c.timed_out;
    double secs = to_seconds(engine_->elapsed());
    s.rate_per_s = secs > 0 ? static_cast<double>(c.requests) / secs : 0;
    auto h = engine_->run_latency();
    s.p50_ms = quantile_ms(h, 0.5);
    s.p99_ms = quantile_ms(h, 0.99);
    s.p999_ms = quantile_ms(h, 0.999);
    if (auto m = h.max()) s.max_ms = to_ms(*m);
    return s;
  }

  std::vector<Reading> take_readings() override {
    std::vector<Reading> out;
    if (!engine_) return out;
    auto c = engine_->counters();
    out.push_back({"requests", static_cast<double>(c.requests), std::nullopt});
    out.push_back({"errors", static_cast<double>(c.errors), std::nullopt});
    auto h = engine_->take_interval_latency();
    // No responses in the interval means no latency figure, not zero.
    if (auto p50 = quantile_ms(h, 0.5)) out.push_back({"latency_p50_ms", *p50, std::nullopt});
    if (auto p99 = quantile_ms(h, 0.99)) out.push_back({"latency_p99_ms", *p99, std::nullopt});
    return out;
  }

  std::vector<std::string> series() const override {
    return {"requests", "errors", "latency_p50_ms", "latency_p99_ms"};
  }

 private:
  // A short account in workload.log, since the load itself prints nothing.
  void write_log() {
    if (log_path_.empty()) return;
    std::ofstream out(log_path_, std::ios::app);
    if (!out) {
      log_error_ = make_error(log_path_.string() + ": cannot be written: " + std::strerror(errno));
      return;
    }
    auto s = summary();
    auto c = engine_->counters();
    out << fmt::format("http load {}: target {} req/s, {} connections\n", config_.url_text, config_.rate,
                       config_.connections);
    out << fmt::format("scheduled {}, completed {} ({:.1f} req/s), errors {}, dropped {}, aborted {}, timed out {}, "
                       "connections opened {}, resent after a stale keep-alive {}\n",
                       c.scheduled, c.requests, s.rate_per_s, c.errors, c.dropped, c.aborted, c.timed_out,
                       c.connections, c.retries);
    for (const auto& [kind, n] : s.errors_by_kind) out << fmt::format("errors {}: {}\n", kind, n);
    if (auto tls = engine_->tls_error()) out << fmt::format("first TLS handshake failure: {}\n", *tls);
    if (s.p50_ms)
      out << fmt::format("latency from scheduled time: p50 {:.3f} ms, p99 {:.3f} ms, p99.9 {:.3f} ms, max {:.3f} ms\n",
                         *s.p50_ms, s.p99_ms.value_or(0), s.p999_ms.value_or(0), s.max_ms.value_or(0));
    out.flush();
    if (!out) log_error_ = make_error(log_path_.string() + ": write failed: " + std::strerror(errno));
  }

  HttpLoadConfig config_;
  std::filesystem::path log_path_;
  std::unique_ptr<HttpLoadEngine> engine_;
  bool stopped_ = false;
  std::optional<Error> log_error_;
};

}  // namespace

Status validate_http_workload(const WorkloadSpec& spec) {
  auto config = parse_http_load_config(spec.http, spec.origin);
  if (!config) return config.error();
  return Status::Ok();
}

Result<std::unique_ptr<Workload>> make_http_workload(const WorkloadSpec& spec) {
  auto config = parse_http_load_config(spec.http, spec.origin);
  if (!config) return config.error();
  config->client = spec.client;
  return std::unique_ptr<Workload>(std::make_unique<HttpWorkload>(std::move(*config)));
}

}  // namespace soak
