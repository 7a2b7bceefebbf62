// The sampler: every source (a probe, a workload's ReadingSource) at its own
// interval on one thread, on a fixed grid from the start so intervals do not
// drift; a source that overruns skips the ticks it missed. Scheduling reads a
// Clock, so a "2 h" schedule is tested in milliseconds with a fake clock
// through run_due().
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/units.h"
#include "probes/probe.h"

namespace soak {

class Sampler {
 public:
  using SampleFn = std::function<Result<std::vector<Reading>>()>;
  /// Readings taken at `when` by source `name`.
  using ReadingsFn = std::function<void(TimePoint when, const std::vector<Reading>&)>;
  /// A failed sample; `repeats` = how many identical failures were suppressed
  /// since it was last reported.
  using ErrorFn = std::function<void(const std::string& source, const std::string& message, int repeats)>;

  Sampler(const Clock& clock, ReadingsFn on_readings, ErrorFn on_error,
          Duration error_repeat_every = std::chrono::seconds(60));
  ~Sampler();
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  /// Adds a source, first due at `start`. Before start() only.
  void add(std::string name, Duration interval, SampleFn fn);
  /// Sets every source's first tick to `start` (the grid origin).
  void set_origin(TimePoint start);

  /// When the next source is due.
  TimePoint next_due() const;
  /// Runs every source due at `now` (on the calling thread). Returns how many ran.
  int run_due(TimePoint now);

  /// Starts the sampler thread (real time: waits use the steady clock).
  void start();
  /// Ends the thread after the sample in progress. Idempotent.
  void stop();
  /// Runs `task` on the sampler thread between samples and waits for it
  /// (directly when the thread is not running). For ProfileCapturer.
  void run_on_thread(std::function<void()> task);

 private:
  struct Source {
    std::string name;
    Duration interval;
    SampleFn fn;
    TimePoint next;
    std::string last_error;
    TimePoint last_error_report;
    int suppressed = 0;
  };
  void loop();
  void report_error(Source& s, TimePoint now, const std::string& message);

  const Clock& clock_;
  ReadingsFn on_readings_;
  ErrorFn on_error_;
  Duration error_repeat_every_;
  std::vector<Source> sources_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::deque<std::function<void()>> tasks_;
  std::thread thread_;
};

}  // namespace soak
