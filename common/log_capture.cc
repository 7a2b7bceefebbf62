#include "common/log_capture.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace soak {

// A line longer than this is cut into pieces for the observers (a SUT that
// never writes '\n' must not make us buffer without bound).
constexpr size_t kMaxLine = 64 * 1024;

LogCapture::LogCapture(const std::filesystem::path& log_file, double limit_bytes, size_t tail_lines)
    : log_file_(log_file), limit_bytes_(limit_bytes), tail_lines_(tail_lines) {}

LogCapture::~LogCapture() {
  stop();
  if (file_) std::fclose(file_);
}

void LogCapture::keep_tail_file(const std::filesystem::path& file, size_t bytes, Duration every) {
  tail_file_ = file;
  tail_file_bytes_ = std::max<size_t>(bytes, 1);
  tail_every_ = every;
}

Status LogCapture::start(Fd out, Fd err) {
  file_ = std::fopen(log_file_.c_str(), "we");
  if (!file_) return make_error(log_file_.string() + ": cannot write: " + std::strerror(errno));
  int wp[2];
  if (::pipe2(wp, O_CLOEXEC | O_NONBLOCK) != 0)
    return make_error(std::string("pipe: ") + std::strerror(errno));
  wake_r_.reset(wp[0]);
  wake_w_.reset(wp[1]);
  fds_[0] = std::move(out);
  fds_[1] = std::move(err);
  thread_ = std::thread([this] { loop(); });
  return Status::Ok();
}

void LogCapture::stop(Duration drain) {
  if (!thread_.joinable()) return;
  drain_ms_ = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(drain).count());
  stopping_ = true;
  char c = 1;
  [[maybe_unused]] auto n = ::write(wake_w_.get(), &c, 1);
  thread_.join();
}

void LogCapture::set_write_error(std::string message) {
  std::lock_guard lock(tail_mu_);
  if (!write_error_) write_error_ = std::move(message);
}

std::optional<std::string> LogCapture::write_error() const {
  std::lock_guard lock(tail_mu_);
  return write_error_;
}

std::vector<std::string> LogCapture::tail() const {
  std::lock_guard lock(tail_mu_);
  return {tail_.begin(), tail_.end()};
}

void LogCapture::emit_line(std::string_view line, bool is_stderr) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  for (auto& fn : observers_) fn(line, is_stderr);
  std::lock_guard lock(tail_mu_);
  tail_.emplace_back(line);
  while (tail_.size() > tail_lines_) tail_.pop_front();
}

void LogCapture::keep_tail_bytes(const char* data, size_t n) {
  if (tail_file_.empty()) return;
  if (n >= tail_file_bytes_) {
    tail_bytes_.assign(data + (n - tail_file_bytes_), tail_file_bytes_);
  } else {
    tail_bytes_.append(data, n);
    // Trim in batches: the buffer holds between one and two tail sizes.
    if (tail_bytes_.size() > 2 * tail_file_bytes_) tail_bytes_.erase(0, tail_bytes_.size() - tail_file_bytes_);
  }
  tail_dirty_ = true;
}

void LogCapture::write_tail_file() {
  tail_dirty_ = false;
  tail_written_at_ = std::chrono::steady_clock::now();
  if (tail_failed_) return;
  std::string_view text = tail_bytes_;
  if (text.size() > tail_file_bytes_) {
    text.remove_prefix(text.size() - tail_file_bytes_);
    // Start at a line when one starts within the kept bytes.
    if (auto nl = text.find('\n'); nl != std::string_view::npos && nl + 1 < text.size()) text.remove_prefix(nl + 1);
  }
  std::filesystem::path tmp = tail_file_;
  tmp += ".tmp";
  Fd f(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  bool ok = static_cast<bool>(f);
  size_t done = 0;
  while (ok && done < text.size()) {
    ssize_t w = ::write(f.get(), text.data() + done, text.size() - done);
    if (w < 0 && errno == EINTR) continue;
    ok = w > 0;
    if (ok) done += static_cast<size_t>(w);
  }
  if (ok) {
    f.reset();
    ok = ::rename(tmp.c_str(), tail_file_.c_str()) == 0;
  }
  if (!ok) {
    tail_failed_ = true;
    set_write_error(tail_file_.string() + ": write failed: " + std::strerror(errno));
    ::unlink(tmp.c_str());
  }
}

void LogCapture::consume(int stream, const char* data, size_t n) {
  keep_tail_bytes(data, n);
  if (file_ && !capped_) {
    uint64_t room = limit_bytes_ > written_ ? static_cast<uint64_t>(limit_bytes_) - written_ : 0;
    size_t take = n < room ? n : static_cast<size_t>(room);
    if (take > 0 && !log_failed_) {
      bool ok = std::fwrite(data, 1, take, file_) == take;
      ok = std::fflush(file_) == 0 && ok;
      if (!ok) {
        log_failed_ = true;
        set_write_error(log_file_.string() + ": write failed: " + std::strerror(errno));
      }
      written_ += take;
    }
    if (take < n) {
      capped_ = true;
      if (capped_fn_) capped_fn_(limit_bytes_);
    }
  }
  std::string& part = partial_[stream];
  const char* p = data;
  const char* end = data + n;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (!nl) {
      part.append(p, end);
      if (part.size() >= kMaxLine) {
        emit_line(part, stream == 1);
        part.clear();
      }
      break;
    }
    if (part.empty()) {
      emit_line(std::string_view(p, static_cast<size_t>(nl - p)), stream == 1);
    } else {
      part.append(p, nl);
      emit_line(part, stream == 1);
      part.clear();
    }
    p = nl + 1;
  }
}

void LogCapture::loop() {
  using Clock = std::chrono::steady_clock;
  char buf[65536];
  bool open[2] = {static_cast<bool>(fds_[0]), static_cast<bool>(fds_[1])};
  auto drain_deadline = Clock::time_point::max();
  auto ms_until = [](Clock::time_point t) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(t - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
  };
  while (open[0] || open[1]) {
    pollfd pfds[3] = {{fds_[0].get(), POLLIN, 0}, {fds_[1].get(), POLLIN, 0}, {wake_r_.get(), POLLIN, 0}};
    if (!open[0]) pfds[0].fd = -1;
    if (!open[1]) pfds[1].fd = -1;
    int timeout = -1;
    if (stopping_) {
      if (drain_deadline == Clock::time_point::max())
        drain_deadline = Clock::now() + std::chrono::milliseconds(drain_ms_.load());
      timeout = ms_until(drain_deadline);
      if (timeout <= 0) break;
      pfds[2].fd = -1;
    }
    if (tail_dirty_) {
      auto due = tail_written_at_ + tail_every_;
      if (Clock::now() >= due) write_tail_file();
      else timeout = timeout < 0 ? ms_until(due) : std::min(timeout, ms_until(due));
    }
    int r = ::poll(pfds, 3, timeout);
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (r == 0) {
      if (stopping_ && Clock::now() >= drain_deadline) break;  // nothing more within the drain time
      continue;
    }
    for (int i = 0; i < 2; ++i) {
      if (pfds[i].fd < 0 || !(pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(pfds[i].fd, buf, sizeof buf);
      if (n > 0) {
        consume(i, buf, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        open[i] = false;
      }
    }
  }
  for (int i = 0; i < 2; ++i)
    if (!partial_[i].empty()) {
      emit_line(partial_[i], i == 1);
      partial_[i].clear();
    }
  if (tail_dirty_ || (!tail_file_.empty() && tail_written_at_ == Clock::time_point{})) write_tail_file();
  fds_[0].reset();
  fds_[1].reset();
}

}  // namespace soak
