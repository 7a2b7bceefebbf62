#include "harness/launcher.h"

#include <cstdlib>
#include <fstream>

namespace soak {

SutExit to_sut_exit(const ExitStatus& status, bool oom_killed) {
  SutExit e;
  e.code = status.code;
  if (status.signal) e.signal = signal_name(*status.signal);
  e.oom_killed = oom_killed;
  return e;
}

Result<std::unique_ptr<Child>> launch_sut(const LaunchSpec& spec) {
  SpawnOptions o;
  o.argv = spec.command;
  o.cwd = spec.cwd;
  o.env = spec.env;
  o.out = Output::pipe();
  o.err = Output::pipe();
  o.child_setup = spec.child_setup;
  o.what = "SUT command";
  return Child::spawn(o);
}

void merge_gctrace(std::map<std::string, std::string>& env) {
  std::string current;
  if (auto it = env.find("GODEBUG"); it != env.end()) current = it->second;
  else if (const char* e = std::getenv("GODEBUG")) current = e;
  if (current.find("gctrace=") != std::string::npos) {
    // A user's own gctrace setting wins over ours only if it enables it.
    if (current.find("gctrace=0") == std::string::npos) {
      env["GODEBUG"] = current;
      return;
    }
  }
  env["GODEBUG"] = current.empty() ? "gctrace=1" : current + ",gctrace=1";
}

}  // namespace soak
