#include "reports/writer.h"

namespace soak {

std::unique_ptr<ReportWriter> make_report_writer(std::string_view name,
                                                 const ReportContext& context) {
  if (name == "html") return make_html_writer(context);
  if (name == "junit") return make_junit_writer();
  if (name == "markdown") return make_markdown_writer();
  return nullptr;
}

const std::vector<std::string_view>& report_writer_names() {
  static const std::vector<std::string_view> kNames = {"junit", "markdown", "html"};
  return kNames;
}

}  // namespace soak
