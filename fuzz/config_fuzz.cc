// soak.json: any JSON document applied to a default config, then written
// back (the round trip run.json relies on).
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_util.h"
#include "harness/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  soak::RunConfig config;
  if (soak::apply_config_json(j, config).ok()) (void)soak::config_to_json(config).dump();
  return 0;
}
