// /debug/vars (expvar) bodies.
#include "fuzz/fuzz_util.h"
#include "probes/expvar.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)soak::parse_expvar(soak::fuzz::as_text(data, size));
  return 0;
}
