#include "probes/expvar.h"

#include <nlohmann/json.hpp>

namespace soak {

Result<ExpvarData> parse_expvar(std::string_view text) {
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return make_error("/debug/vars: not a JSON object (is this Go's expvar endpoint?)");
  auto ms = j.find("memstats");
  if (ms == j.end() || !ms->is_object())
    return make_error("/debug/vars: no \"memstats\" object (the SUT must import expvar)");
  ExpvarData d;
  for (auto it = ms->begin(); it != ms->end(); ++it)
    if (it.value().is_number()) d.memstats[it.key()] = it.value().get<double>();
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.value().is_number()) d.vars[it.key()] = it.value().get<double>();
  return d;
}

}  // namespace soak
