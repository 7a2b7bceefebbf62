#include "common/posix.h"

#include <cerrno>
#include <fcntl.h>
#include <system_error>
#include <csignal>
#include <cstring>
#include <sys/prctl.h>
#include <unistd.h>

namespace soak {

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

int prepare_child_after_fork(pid_t parent, bool death_signal) {
  if (::setpgid(0, 0) != 0) return errno;
  if (death_signal) {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return errno;
    if (::getppid() != parent) ::_exit(126);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &dfl, nullptr);
  ::sigaction(SIGINT, &dfl, nullptr);
  ::sigaction(SIGTERM, &dfl, nullptr);
  ::sigaction(SIGXFSZ, &dfl, nullptr);
  return 0;
}

Status write_file_atomic(const std::filesystem::path& path, const std::string& text) {
  // Temp file, fsync, rename: a reader sees the old file or the whole new
  // one, also after a crash or power loss.
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    Fd f(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!f) return make_error(path.string() + ": cannot create: " + std::strerror(errno));
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::write(f.get(), text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    if (done < text.size() || ::fsync(f.get()) != 0) {
      std::string why = std::strerror(errno);
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return make_error(path.string() + ": write failed: " + why);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return make_error(path.string() + ": cannot replace: " + ec.message());
  }
  // The rename itself is durable once the directory is synced (best effort:
  // some file systems refuse fsync on a directory).
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  if (Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); d) (void)::fsync(d.get());
  return Status::Ok();
}

}  // namespace soak
