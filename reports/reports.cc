#include "reports/reports.h"

namespace soak {

Status check_report_outputs(const std::filesystem::path&) { return Status::Ok(); }

Result<std::vector<std::string>> write_reports(const std::filesystem::path&, const Summary&,
                                               const RunData&, const ReportOptions&) {
  return make_error("reports: not implemented yet");
}

}  // namespace soak
