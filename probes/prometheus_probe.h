// The "metrics" probe (--metrics URL): scrapes a Prometheus text (0.0.4) or
// OpenMetrics endpoint and records samples as prom:NAME{labels}; maps
// client_golang's default metrics onto canonical series that no direct probe
// produces (go_goroutines -> goroutines, ...).
#pragma once

#include <set>
#include <string>

#include "net/http_client.h"
#include "probes/connect_grace.h"
#include "probes/probe.h"
#include "probes/prometheus.h"

namespace soak {

/// client_golang default metric -> canonical series (DESIGN.md section 5).
const std::vector<std::pair<std::string_view, std::string_view>>& prom_canonical_map();

class MetricsProbe : public Probe {
 public:
  /// `direct`: canonical series other probes of the run already produce;
  /// those are not mapped from the scrape (one source per series).
  /// `http`: headers and TLS settings of every scrape.
  MetricsProbe(Url url, Duration interval, std::set<std::string> direct, HttpSettings http = {});

  std::string_view name() const override { return "metrics"; }
  Duration interval() const override { return interval_; }
  /// The mapped canonical names plus "prom:*" (any scraped series; their
  /// names are only known once the SUT runs).
  std::vector<std::string> series() const override;
  Result<std::vector<Reading>> sample(const Target& target) override;

  /// Readings from one parsed exposition (exposed for tests).
  std::vector<Reading> readings(const PromExposition& ex) const;

 private:
  Url url_;
  HttpSettings http_;
  Duration interval_;
  std::set<std::string> direct_;
  ConnectGrace grace_;
};

}  // namespace soak
