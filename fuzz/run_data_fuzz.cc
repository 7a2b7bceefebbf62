// samples.jsonl and events.jsonl as soak check/report read them back.
#include "common/run_data.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = soak::fuzz::as_text(data, size);
  soak::RunData samples;
  (void)soak::parse_samples(text, "samples.jsonl", samples);
  (void)samples.interval_s();
  soak::RunData events;
  (void)soak::parse_events(text, "events.jsonl", events);
  return 0;
}
