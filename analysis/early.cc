#include "analysis/early.h"

namespace soak {

// Placeholder (Bonferroni split) until the analysis owner replaces it.
double early_look_confidence(int, int planned_looks, double confidence) {
  return 1.0 - (1.0 - confidence) / (planned_looks > 0 ? planned_looks : 1);
}

}  // namespace soak
