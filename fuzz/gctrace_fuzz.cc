// GODEBUG=gctrace=1 stderr, line by line as the probe feeds it (lines may
// carry the SUT's own output interleaved).
#include "fuzz/fuzz_util.h"
#include "probes/gctrace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = soak::fuzz::as_text(data, size);
  while (!text.empty()) {
    size_t nl = text.find('\n');
    (void)soak::parse_gctrace_line(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return 0;
}
