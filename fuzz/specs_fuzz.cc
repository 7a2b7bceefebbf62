// Durations, sizes, budgets and readiness specs: the strings users type.
#include "common/budget.h"
#include "common/units.h"
#include "fuzz/fuzz_util.h"
#include "harness/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = soak::fuzz::as_text(data, size);
  if (auto d = soak::parse_duration(text)) (void)soak::format_duration(*d);
  if (auto s = soak::parse_size(text)) (void)soak::format_bytes(*s);
  (void)soak::parse_budget(text);
  (void)soak::parse_ready_spec(text);
  return 0;
}
