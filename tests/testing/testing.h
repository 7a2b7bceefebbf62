// Shared test helpers: temporary directories, paths to built binaries, and
// running real child processes.
#pragma once

#include <filesystem>
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

/// A free TCP port on 127.0.0.1 (bind to port 0, read it back, close).
int free_port();

}  // namespace soak::testing
