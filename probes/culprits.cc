#include "probes/culprits.h"

namespace soak {

std::vector<Culprit> find_culprits(const std::filesystem::path&, size_t) { return {}; }

}  // namespace soak
