// Progress output of `soak run` (--style): a live line on a terminal, a plain
// line every minute otherwise (CI logs), or nothing.
#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include "harness/config.h"

namespace soak {

struct ProgressState {
  double elapsed_s = 0;  // since ready
  double total_s = 0;    // planned
  std::optional<double> rss_bytes, threads, fds;
};

class Progress {
 public:
  /// `tty`: whether `out` is a terminal (auto style picks the live line).
  Progress(Style style, std::FILE* out, bool tty, double plain_every_s = 60);
  /// Called often (every ~100 ms); prints when the style says so.
  void update(const ProgressState& s);
  /// Ends a live line (before other output).
  void finish();
  /// The text of one progress line (no newline).
  static std::string line(const ProgressState& s);

 private:
  bool live_;
  bool plain_;
  std::FILE* out_;
  double plain_every_s_;
  double next_plain_s_ = 0;
  double last_live_s_ = -1;
  bool drawn_ = false;
};

}  // namespace soak
