#include "reports/reports.h"

#include "common/posix.h"

#include <cstdlib>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "reports/format.h"
#include "reports/github.h"
#include "reports/plots.h"
#include "reports/writer.h"

namespace soak {

namespace fs = std::filesystem;

namespace {

constexpr const char* kOutputs[] = {"summary.json", "junit.xml", "summary.md", "report.html"};

// The last `lines` lines of the SUT's output for the report: from
// sut.tail.log, which the run keeps current to its end whatever sut.log's cap
// (the crash output of a long run), else from the end of sut.log (runs of
// older versions, data of other tools). Reads at most the final 1 MiB.
void read_log_tail(const fs::path& dir, size_t lines, bool capped, ReportContext& ctx) {
  std::error_code ec;
  const bool from_tail = fs::exists(dir / "sut.tail.log", ec);
  const fs::path file = dir / (from_tail ? "sut.tail.log" : "sut.log");
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    ctx.sut_log_note = "sut.log is absent (no output captured).";
    return;
  }
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  std::streamoff start = size > (1 << 20) ? size - (1 << 20) : 0;
  in.seekg(start);
  std::string text(static_cast<size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (start > 0) {
    size_t nl = text.find('\n');
    text.erase(0, nl == std::string::npos ? text.size() : nl + 1);  // partial first line
  }
  std::vector<std::string> all;
  std::istringstream ss(text);
  for (std::string line; std::getline(ss, line);) all.push_back(std::move(line));
  if (all.empty()) {
    ctx.sut_log_note = "sut.log is empty.";
    return;
  }
  size_t from = all.size() > lines ? all.size() - lines : 0;
  ctx.sut_log_tail.assign(all.begin() + static_cast<long>(from), all.end());
  const size_t n = ctx.sut_log_tail.size();
  // The tail file holds the whole output when it is as long as sut.log.
  const bool whole = from == 0 && start == 0 && !capped &&
                     (!from_tail || fs::file_size(dir / "sut.log", ec) == static_cast<uintmax_t>(size));
  if (capped && from_tail)
    ctx.sut_log_note = fmt::format("sut.log stopped at its size cap; the last {} lines the SUT wrote (sut.tail.log):", n);
  else if (capped)
    ctx.sut_log_note = fmt::format("sut.log stopped at its size cap; its last {} lines (later output was not kept):", n);
  else if (whole)
    ctx.sut_log_note = fmt::format("sut.log ({} lines):", n);
  else
    ctx.sut_log_note = fmt::format("The last {} lines of sut.log:", n);
}

bool sut_log_capped(const RunData& data) {
  for (const auto& e : data.events)
    if (e.event == "sut_log_capped") return true;
  return false;
}

}  // namespace

Status check_report_outputs(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return make_error(fmt::format("{}: not a directory (the reports go there)", dir.string()));
  for (const char* name : kOutputs) {
    fs::path p = dir / name;
    bool existed = fs::exists(p, ec);
    // O_APPEND without O_TRUNC: an existing file is left as it was.
    int fd = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      return make_error(fmt::format("{}: cannot be written: {}", p.string(), std::strerror(errno)));
    ::close(fd);
    if (!existed) fs::remove(p, ec);
  }
  return Status::Ok();
}

Result<std::vector<std::string>> write_reports(const fs::path& dir, const Summary& summary,
                                               const RunData& data, const ReportOptions& options) {
  std::vector<std::string> warnings;
  // summary.json first: plotting can take seconds, and a harness killed in
  // the meantime must still leave the verdict behind.
  SOAK_TRY(write_file_atomic(dir / "summary.json", to_json(summary).dump(2) + "\n"));
  ReportContext ctx;
  if (options.plots) {
    PlotOutcome plots = render_plots(summary, data, plotted_series(summary, data), options);
    ctx.plots = std::move(plots.images);
    ctx.plots_missing = std::move(plots.missing);
    if (!ctx.plots_missing.empty()) warnings.push_back("report.html: " + ctx.plots_missing);
  } else {
    ctx.plots_missing = "plotting was turned off";
  }
  read_log_tail(dir, options.sut_log_lines, sut_log_capped(data), ctx);

  std::string markdown;
  for (std::string_view name : report_writer_names()) {
    auto writer = make_report_writer(name, ctx);
    std::ostringstream text;
    writer->write(summary, data, text);
    if (name == "markdown") markdown = text.str();
    SOAK_TRY(write_file_atomic(dir / std::string(writer->file_name()), text.str()));
  }

  if (options.github_actions) {
    write_workflow_commands(summary, data, options.workflow_out ? *options.workflow_out : std::cout);
    if (options.step_summary) {
      if (Status st = append_step_summary(*options.step_summary, markdown); !st.ok())
        warnings.push_back(st.message());
    }
  }
  return warnings;
}

ReportOptions report_options_from_env() {
  ReportOptions o;
  if (const char* gha = std::getenv("GITHUB_ACTIONS"); gha && std::string_view(gha) == "true")
    o.github_actions = true;
  if (const char* ss = std::getenv("GITHUB_STEP_SUMMARY"); ss && *ss) o.step_summary = std::filesystem::path(ss);
  return o;
}

}  // namespace soak
