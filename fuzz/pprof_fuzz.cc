// /debug/pprof/goroutine?debug=1 and /debug/pprof/heap?debug=1 bodies.
#include "fuzz/fuzz_util.h"
#include "probes/pprof.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = soak::fuzz::as_text(data, size);
  if (auto g = soak::parse_goroutine_profile(text))
    for (const auto& r : g->records)
      for (const auto& f : r.frames) (void)soak::is_stdlib_function(f.function), (void)soak::format_frame(f);
  (void)soak::parse_heap_profile(text);
  return 0;
}
