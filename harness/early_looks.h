// When --fail-fast looks at the data during a run.
#pragma once

#include "common/units.h"

namespace soak {

struct LookPlan {
  double every_s = 0;  // a look every this many seconds after ready
  int planned = 0;     // K in early_look_confidence(k, K, confidence)
};

/// Looks every max(min(60 s, duration/4), duration/20): at most 20 looks in
/// a long run (each costs a full judge_run and a share of the false-alarm
/// budget), a minute apart in mid-length runs, and still 4 in a short one.
/// The last look falls at the end of the run, where the final verdict
/// decides anyway, so it is not planned.
LookPlan plan_looks(Duration duration);

}  // namespace soak
