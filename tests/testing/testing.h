// Shared test helpers: temporary directories, paths to built binaries, and
// running real child processes.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace soak::testing {

/// A fresh directory under $TMPDIR, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::filesystem::path build_dir();   // CMake binary dir
std::filesystem::path source_dir();  // repository root
std::filesystem::path soak_binary();  // build_dir()/soak

std::string read_file(const std::filesystem::path& p);
void write_file(const std::filesystem::path& p, const std::string& text);
/// Everything readable from `fd` until EOF.
std::string read_fd(int fd);

struct CommandResult {
  int exit_code = -1;   // -1 when killed by a signal
  int signal = 0;
  std::string out;      // stdout
  std::string err;      // stderr
};

/// Runs argv (argv[0] a path) to completion with stdin closed, capturing
/// output; kills it after `timeout_s`.
CommandResult run_command(const std::vector<std::string>& argv, double timeout_s = 120,
                          const std::vector<std::string>& extra_env = {});

/// A process started in the background (stdin closed, stdout and stderr to
/// `log`), SIGKILLed and reaped on destruction unless it was waited for.
class Background {
 public:
  explicit Background(const std::vector<std::string>& argv, const std::filesystem::path& log = "/dev/null");
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  int pid() const { return pid_; }
  /// True while it has not exited (reaps it when it has).
  bool running();
  /// Sends `sig` and waits for the exit.
  void stop(int sig);
  /// Waits up to `timeout_s` for it to exit by itself: its exit code, -1
  /// when a signal ended it; SIGKILLs it and returns -2 on timeout.
  int wait(double timeout_s);

 private:
  int pid_ = -1;
  bool reaped_ = false;
};

/// Polls `condition` (every 20 ms) until it holds (true) or `timeout_s`
/// passes (false; then checked once more). The one way tests wait for
/// something to happen: on a condition, with a deadline, never a fixed sleep.
bool wait_until(const std::function<bool()>& condition, double timeout_s);

/// Polls until `file` contains `text` (true) or `timeout_s` passes.
bool wait_for_text(const std::filesystem::path& file, const std::string& text, double timeout_s);

/// A free TCP port on 127.0.0.1, below the ephemeral range (testing.cc says why).
int free_port();

}  // namespace soak::testing
