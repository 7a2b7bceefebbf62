// soak: the pipeline. Parse, validate, act (run / check / report / compare),
// exit. Errors surface here, once: usage and configuration errors exit 2 with
// "soak: <message>"; an unexpected exception exits 5.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "common/exit_codes.h"
#include "harness/cli.h"
#include "harness/commands.h"
#include "harness/run.h"
#include "harness/survivors.h"
#include "harness/validate.h"

namespace {

int fail(int code, const std::string& message) {
  std::cerr << "soak: " << message << "\n";
  return code;
}

// Errors from reading a recorded run (missing files, bad JSON) are the
// user's input, like a bad flag: exit 2.
int finish(const soak::Result<int>& r) { return r ? *r : fail(soak::exit_code::kUsage, r.message()); }

int soak_main(const std::vector<std::string>& args) {
  // The no-survivors watchdog a run starts (harness/survivors.h); not a
  // user command.
  if (args.size() == 3 && args[1] == "__watchdog") return soak::watchdog_main(std::stoi(args[2]), 3);
  auto req = soak::parse_cli(args);
  if (!req) return fail(soak::exit_code::kUsage, req.message());
  switch (req->command) {
    case soak::CliCommand::kHelp:
    case soak::CliCommand::kVersion:
      std::cout << req->text;
      return soak::exit_code::kPass;
    case soak::CliCommand::kRun: {
      if (auto st = soak::validate_run_config(req->run); !st) return fail(soak::exit_code::kUsage, st.message());
      return soak::run_soak(req->run);
    }
    case soak::CliCommand::kCheck:
      return finish(soak::check_command(req->run_dir,
                                        soak::CheckOptions{req->budgets, req->strict, req->confidence, req->history},
                                        std::cout));
    case soak::CliCommand::kReport:
      return finish(soak::report_command(req->run_dir, std::cout));
    case soak::CliCommand::kCompare:
      return finish(soak::compare_command(req->base_dir, req->run_dir, std::cout));
    case soak::CliCommand::kFleet:
      return soak::run_fleet(req->fleet, std::cout, std::cerr);
    case soak::CliCommand::kHistory:
      return finish(soak::history_command(req->history_file, req->history_options, std::cout, std::cerr));
  }
  return fail(soak::exit_code::kInternal, "unknown command");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return soak_main(std::vector<std::string>(argv, argv + argc));
  } catch (const std::exception& e) {
    return fail(soak::exit_code::kInternal, std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(soak::exit_code::kInternal, "internal error: unknown exception");
  }
}
