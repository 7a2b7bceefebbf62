// --fail-fast: repeated looks at the budgets during a run with the
// false-alarm rate controlled across looks (DETECTION.md section 4).
#pragma once

namespace soak {

/// Confidence to judge with at look `k` (1-based) of `planned_looks`, so
/// that over all looks a healthy run is stopped with probability at most
/// 1 - `confidence`. The run loop calls judge_run() on the data so far with
/// this confidence and stops on any "fail" verdict of a slope budget.
double early_look_confidence(int k, int planned_looks, double confidence);

}  // namespace soak
