// SIGINT/SIGTERM/SIGHUP to the harness (a closed terminal or CI session
// hangs up: handled like SIGTERM) while a run is going: a self-pipe handler
// that only records the signal; the run loop polls it. The previous handlers
// come back when the watcher is destroyed. SIGCHLD is left alone (never
// ignored: children are reaped by their owners).
#pragma once

#include <signal.h>

namespace soak {

class SignalWatcher {
 public:
  SignalWatcher();
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  /// The first SIGINT/SIGTERM/SIGHUP received, or 0.
  int received() const;
  /// A fd that becomes readable when a signal arrives (for poll()).
  int fd() const;
  /// Clears the record (tests).
  void reset();

 private:
  struct sigaction old_int_{}, old_term_{}, old_hup_{};
};

}  // namespace soak
