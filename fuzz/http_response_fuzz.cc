// An HTTP/1.1 response as a probe, readiness check or `soak fleet` receives
// it (net/http_response: the parser and limits http_get uses).
#include "fuzz/fuzz_util.h"
#include "net/http_response.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = soak::parse_http_response(soak::fuzz::as_text(data, size), size_t{1} << 16);
  if (r.ok()) (void)r->header("Content-Type");
  return 0;
}
