#include "harness/sampler.h"

#include <future>

namespace soak {

Sampler::Sampler(const Clock& clock, ReadingsFn on_readings, ErrorFn on_error,
                 Duration error_repeat_every)
    : clock_(clock),
      on_readings_(std::move(on_readings)),
      on_error_(std::move(on_error)),
      error_repeat_every_(error_repeat_every) {}

Sampler::~Sampler() { stop(); }

void Sampler::add(std::string name, Duration interval, SampleFn fn) {
  if (interval <= Duration::zero()) interval = std::chrono::seconds(1);
  sources_.push_back(Source{std::move(name), interval, std::move(fn), clock_.now(), {}, {}, 0});
}

void Sampler::set_origin(TimePoint start) {
  for (auto& s : sources_) s.next = start;
}

TimePoint Sampler::next_due() const {
  TimePoint next = TimePoint::max();
  for (const auto& s : sources_)
    if (s.next < next) next = s.next;
  return next;
}

void Sampler::report_error(Source& s, TimePoint now, const std::string& message) {
  // The same message again within error_repeat_every_ is counted, not
  // written: a probe failing every second must not flood events.jsonl.
  if (message == s.last_error && now - s.last_error_report < error_repeat_every_) {
    ++s.suppressed;
    return;
  }
  int repeats = message == s.last_error ? s.suppressed : 0;
  s.last_error = message;
  s.last_error_report = now;
  s.suppressed = 0;
  if (on_error_) on_error_(s.name, message, repeats);
}

int Sampler::run_due(TimePoint now) {
  int ran = 0;
  for (auto& s : sources_) {
    if (s.next > now) continue;
    auto r = s.fn();
    TimePoint when = clock_.now();
    if (r) {
      if (!r->empty() && on_readings_) on_readings_(when, *r);
      if (!s.last_error.empty() && s.suppressed == 0) s.last_error.clear();
    } else {
      report_error(s, when, r.message());
    }
    ++ran;
    // Next tick on the grid strictly after now: an overrun skips ticks
    // instead of bursting to catch up.
    auto behind = (std::max(now, when) - s.next) / s.interval;
    s.next += s.interval * (behind + 1);
  }
  return ran;
}

void Sampler::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { loop(); });
}

void Sampler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Tasks posted after the thread ended still run (their caller waits).
  std::deque<std::function<void()>> left;
  {
    std::lock_guard lock(mu_);
    left.swap(tasks_);
  }
  for (auto& t : left) t();
}

void Sampler::run_on_thread(std::function<void()> task) {
  std::promise<void> done;
  auto fut = done.get_future();
  bool queued = false;
  {
    std::lock_guard lock(mu_);
    if (thread_.joinable() && !stopping_) {
      tasks_.push_back([&] {
        task();
        done.set_value();
      });
      queued = true;
    }
  }
  if (!queued) {
    task();  // no sampler thread: run here
    return;
  }
  cv_.notify_all();
  fut.wait();
}

void Sampler::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    while (!tasks_.empty()) {
      auto t = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      t();
      lock.lock();
    }
    if (stopping_) break;
    TimePoint now = clock_.now();
    TimePoint due = next_due();
    if (due > now) {
      // Waits in real time; with a fake clock tests drive run_due() directly.
      cv_.wait_for(lock, due - now, [&] { return stopping_ || !tasks_.empty(); });
      continue;
    }
    lock.unlock();
    run_due(now);
    lock.lock();
  }
}

}  // namespace soak
