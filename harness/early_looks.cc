#include "harness/early_looks.h"

#include <algorithm>
#include <cmath>

namespace soak {

LookPlan plan_looks(Duration duration) {
  double total = to_seconds(duration);
  if (total <= 0) return {};
  LookPlan p;
  p.every_s = std::max(std::min(60.0, total / 4), total / 20);
  // Looks strictly before the end (tolerate rounding of total/every).
  p.planned = static_cast<int>(std::ceil(total / p.every_s - 1e-9)) - 1;
  return p;
}

}  // namespace soak
