// Report writers behind one small interface, chosen by name from a factory
// (google/benchmark reporter style). Each writer renders a finished run to a
// stream it is handed; reports.cc decides where the streams go.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/run_data.h"
#include "common/summary.h"

namespace soak {

/// One rendered plot: PNG bytes for a series.
struct PlotImage {
  std::string series;
  std::string png;
};

/// What a writer needs beyond the summary and the samples: things read or
/// produced outside the pure data (plots, the SUT's log).
struct ReportContext {
  std::vector<PlotImage> plots;
  std::string plots_missing;              // why there are no plots; empty when there are
  std::vector<std::string> sut_log_tail;  // last lines of the SUT's output (sut.tail.log, else sut.log)
  std::string sut_log_note;               // e.g. "sut.log is absent", "showing the last 100 lines"
};

class ReportWriter {
 public:
  virtual ~ReportWriter() = default;
  /// Stable id used by the factory: "html", "junit", "markdown".
  virtual std::string_view name() const = 0;
  /// The file this report goes to in the run directory, e.g. "report.html".
  virtual std::string_view file_name() const = 0;
  /// Renders the whole report to `out`. Pure formatting: never fails on
  /// data (missing facts are shown as unknown); the caller checks the stream.
  virtual void write(const Summary& summary, const RunData& data, std::ostream& out) const = 0;
};

/// The writer called `name`, or nullptr when there is none. `context` must
/// outlive the writer.
std::unique_ptr<ReportWriter> make_report_writer(std::string_view name,
                                                 const ReportContext& context);

/// Every name make_report_writer knows, in the order reports are written.
const std::vector<std::string_view>& report_writer_names();

}  // namespace soak

namespace soak {

// The concrete writers (one file each); make_report_writer picks among them.
std::unique_ptr<ReportWriter> make_html_writer(const ReportContext& context);
std::unique_ptr<ReportWriter> make_junit_writer();
std::unique_ptr<ReportWriter> make_markdown_writer();

}  // namespace soak
