#include "reports/github.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "reports/escape.h"
#include "reports/format.h"

namespace soak {

void write_workflow_commands(const Summary& s, const RunData& data, std::ostream& out) {
  for (const auto& b : s.budgets) {
    if (b.verdict == Verdict::kPass) continue;
    bool fail = b.verdict == Verdict::kFail;
    std::string title = fmt::format("soak budget {} {}", b.spec, fail ? "exceeded" : "inconclusive");
    std::string message = fmt::format("{}: observed {}, limit {}. {}", b.series.empty() ? b.spec : b.series,
                                      format_observed(b), format_budget_value(b, b.limit), b.reason);
    out << (fail ? "::error" : "::warning") << " title=" << workflow_escape_property(title)
        << "::" << workflow_escape_data(message) << "\n";
  }
  if (std::string sut = sut_failure(s, data); !sut.empty())
    out << "::error title=" << workflow_escape_property("soak: SUT failed") << "::"
        << workflow_escape_data(sut) << "\n";
  out.flush();
}

Status append_step_summary(const std::filesystem::path& path, std::string_view markdown) {
  std::string text(markdown);
  if (text.size() > kStepSummaryLimit) {
    static constexpr std::string_view kNote =
        "\n\n_(summary cut to GitHub's 1 MiB limit; the full text is summary.md in the run "
        "directory)_\n";
    size_t cut = kStepSummaryLimit - kNote.size();
    size_t nl = text.rfind('\n', cut);
    text.resize(nl == std::string::npos ? cut : nl);
    text += kNote;
  }
  std::ofstream f(path, std::ios::binary | std::ios::app);
  if (!f)
    return make_error(fmt::format("step summary {}: cannot open for append: {}", path.string(),
                                  std::strerror(errno)));
  f << text;
  f.flush();
  if (!f)
    return make_error(fmt::format("step summary {}: write failed: {}", path.string(),
                                  std::strerror(errno)));
  return Status::Ok();
}

}  // namespace soak
