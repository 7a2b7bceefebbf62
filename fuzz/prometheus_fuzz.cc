// Prometheus text exposition 0.0.4 and OpenMetrics bodies.
#include "fuzz/fuzz_util.h"
#include "probes/prometheus.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (auto e = soak::parse_prometheus(soak::fuzz::as_text(data, size)))
    for (const auto& f : e->families)
      for (const auto& s : f.samples) {
        (void)soak::prom_series_name(s);
        (void)soak::prom_sample_recorded(f, s);
      }
  return 0;
}
