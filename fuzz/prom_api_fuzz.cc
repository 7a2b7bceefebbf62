// A Prometheus HTTP API query_range answer as `soak fleet` reads it
// (probes/prom_api: parse_prom_matrix).
#include "fuzz/fuzz_util.h"
#include "probes/prom_api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)soak::parse_prom_matrix(soak::fuzz::as_text(data, size));
  return 0;
}
