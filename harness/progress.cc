#include "harness/progress.h"

#include <cmath>

#include <fmt/format.h>

#include "common/units.h"

namespace soak {

Progress::Progress(Style style, std::FILE* out, bool tty, double plain_every_s)
    : live_(style == Style::kAuto && tty),
      plain_(style == Style::kBasic || (style == Style::kAuto && !tty)),
      out_(out),
      plain_every_s_(plain_every_s) {}

static std::string clock_text(double s) {
  long t = std::lround(std::max(0.0, s));
  return fmt::format("{}:{:02}:{:02}", t / 3600, (t / 60) % 60, t % 60);
}

std::string Progress::line(const ProgressState& s) {
  std::string text = fmt::format("soak: {} / {}", clock_text(s.elapsed_s), clock_text(s.total_s));
  if (s.total_s > 0) {
    double pct = std::min(100.0, 100.0 * s.elapsed_s / s.total_s);
    text += fmt::format(" ({:.0f}%, ETA {})", pct, clock_text(s.total_s - s.elapsed_s));
  }
  if (s.rss_bytes) text += "  rss " + format_bytes(*s.rss_bytes);
  if (s.threads) text += fmt::format("  threads {:g}", *s.threads);
  if (s.fds) text += fmt::format("  fds {:g}", *s.fds);
  return text;
}

void Progress::update(const ProgressState& s) {
  if (live_) {
    if (s.elapsed_s - last_live_s_ < 0.5 && last_live_s_ >= 0) return;
    last_live_s_ = s.elapsed_s;
    std::fprintf(out_, "\r\033[K%s", line(s).c_str());
    std::fflush(out_);
    drawn_ = true;
  } else if (plain_ && s.elapsed_s >= next_plain_s_) {
    if (next_plain_s_ > 0) {  // not the 0 s line: nothing to say yet
      std::fprintf(out_, "%s\n", line(s).c_str());
      std::fflush(out_);
    }
    next_plain_s_ += plain_every_s_;
    while (next_plain_s_ <= s.elapsed_s) next_plain_s_ += plain_every_s_;
  }
}

void Progress::finish() {
  if (live_ && drawn_) {
    std::fprintf(out_, "\r\033[K");
    std::fflush(out_);
    drawn_ = false;
  }
}

}  // namespace soak
