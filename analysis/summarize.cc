#include "analysis/summarize.h"

namespace soak {

Judgement judge_run(const RunData&, const std::vector<Budget>&, const AnalysisOptions&) {
  Judgement j;
  j.warnings.push_back("analysis: not implemented yet");
  return j;
}

}  // namespace soak
