// The external command workload: `cmd:COMMAND LINE` run through /bin/sh -c in
// its own process group with a death signal, output (stdout and stderr, one
// pipe) into workload.log up to its cap, restarted when it ends before the
// run does, stopped with its whole group.
#include "workloads/cmd_workload.h"

#include "common/log_capture.h"
#include "common/spawn.h"
#include "common/units.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

namespace soak {

namespace {

using SteadyTime = std::chrono::steady_clock;

// A command that dies within this long of its start this many times in a row
// is given up on (it would otherwise spin).
constexpr auto kQuickDeath = std::chrono::seconds(1);
constexpr int kQuickDeathsToGiveUp = 5;
constexpr auto kStopGrace = std::chrono::milliseconds(1500);

std::string replace_all(std::string s, std::string_view from, const std::string& to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

std::string seconds_text(Duration d) {
  double s = to_seconds(d);
  // Whole seconds for tools that take integers (wrk -d30s), rounded up so
  // the load covers the run.
  return std::to_string(static_cast<long long>(std::ceil(s)));
}

class CmdWorkload final : public Workload {
 public:
  explicit CmdWorkload(WorkloadSpec spec) : spec_(std::move(spec)) {}
  ~CmdWorkload() override { stop(); }

  std::string_view name() const override { return "cmd"; }

  Status start(const WorkloadContext& ctx) override {
    if (thread_.joinable()) return make_error(spec_.origin + ": already started");
    if (spec_.cmd.find("{url}") != std::string::npos && !ctx.url)
      return make_error(spec_.origin + ": \"" + spec_.cmd +
                        "\" uses {url} but no URL is known (give --ready http://... or an http workload)");
    command_ = expand_placeholders(spec_.cmd, ctx);
    events_ = ctx.events;
    cwd_ = ctx.cwd;
    if (auto st = start_capture(ctx); !st) return st;
    // The first launch happens here so an unlaunchable command fails start().
    if (auto st = spawn(); !st) return st;
    thread_ = std::thread([this] { supervise(); });
    return Status::Ok();
  }

  void stop() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    // EOF for the capture once no process of the command holds the pipe.
    out_w_.reset();
    if (capture_) capture_->stop();
  }

  std::optional<Error> failure() const override {
    std::lock_guard lock(mu_);
    return failure_;
  }

  WorkloadSummary summary() const override {
    WorkloadSummary s;
    s.restarts = restarts_;
    return s;
  }

  static std::string expand_placeholders(const std::string& cmd, const WorkloadContext& ctx) {
    std::string out = replace_all(cmd, "{duration_s}", seconds_text(ctx.duration));
    if (ctx.url) out = replace_all(out, "{url}", *ctx.url);
    return out;
  }

 private:
  // Every launch writes to one pipe whose read end a LogCapture copies into
  // the log up to its cap (the same capture as sut.log's).
  Status start_capture(const WorkloadContext& ctx) {
    std::filesystem::path log = ctx.log_path.empty() ? std::filesystem::path("/dev/null") : ctx.log_path;
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return make_error(spec_.origin + ": pipe: " + std::strerror(errno));
    Fd r(p[0]);
    out_w_.reset(p[1]);
    capture_ = std::make_unique<LogCapture>(log, ctx.log_limit_bytes);
    capture_->on_capped([this, log](double limit) {
      std::string file = log.filename().string();
      emit("workload_log_capped", {{"workload", "cmd"}, {"file", file}, {"limit_bytes", limit}});
      emit("warning", {{"source", "workload"},
                       {"message", file + " reached its cap of " + format_bytes(limit) +
                                       " (--log-limit); later output of the workload was dropped"}});
    });
    if (auto st = capture_->start(std::move(r), Fd()); !st) return make_error(spec_.origin + ": " + st.message());
    return Status::Ok();
  }

  Status spawn() {
    SpawnOptions o;
    o.argv = {"/bin/sh", "-c", command_};
    o.cwd = cwd_.empty() ? std::filesystem::path(".") : cwd_;
    o.out = Output::to_fd(out_w_.get());
    o.err = Output::to_fd(out_w_.get());
    o.what = spec_.origin;
    auto child = Child::spawn(o);
    if (!child) return make_error(spec_.origin + ": " + child.message());
    child_ = std::move(*child);
    started_at_ = SteadyTime::now();
    return Status::Ok();
  }

  void emit(std::string_view event, const nlohmann::json& fields) {
    if (events_) events_->emit(event, fields);
  }

  // Polls the child (the death signal needs this thread to live as long as
  // the child: it forks every restart).
  void supervise() {
    int quick_deaths = 0;
    while (true) {
      {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return stopping_; });
        if (stopping_) break;
      }
      if (auto e = capture_->write_error()) {  // a full disk: the run ends (exit 5) naming the file
        emit("workload_failed", {{"workload", "cmd"}, {"message", *e}});
        std::lock_guard lock(mu_);
        failure_ = make_error(*e);
        break;
      }
      if (!child_) continue;
      auto ended = child_->exit_status();
      if (!ended) continue;
      // Ended on its own before the run did: kill leftovers of its group.
      child_->stop(Duration::zero());
      child_.reset();
      nlohmann::json f = {{"workload", "cmd"}, {"command", command_}};
      if (ended->code) f["code"] = *ended->code;
      else if (ended->signal) f["signal"] = signal_name(*ended->signal);
      bool quick = SteadyTime::now() - started_at_ < kQuickDeath;
      quick_deaths = quick ? quick_deaths + 1 : 0;
      if (quick_deaths >= kQuickDeathsToGiveUp) {
        std::string msg = spec_.origin + ": \"" + command_ + "\" exited within " +
                          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kQuickDeath).count()) +
                          " s of its start " + std::to_string(quick_deaths) + " times in a row (last: " +
                          (f.contains("code") ? "code " + std::to_string(f["code"].get<int>())
                                              : f["signal"].get<std::string>()) +
                          "); see workload.log";
        emit("workload_failed", {{"workload", "cmd"}, {"message", msg}});
        std::lock_guard lock(mu_);
        failure_ = make_error(msg);
        break;
      }
      ++restarts_;
      emit("workload_restarted", f);
      if (auto st = spawn(); !st) {
        emit("workload_failed", {{"workload", "cmd"}, {"message", st.message()}});
        std::lock_guard lock(mu_);
        failure_ = st.error();
        break;
      }
    }
    stop_child();
  }

  void stop_child() {
    if (child_) child_->stop(kStopGrace);
    child_.reset();
  }

  WorkloadSpec spec_;
  std::string command_;
  EventSink* events_ = nullptr;
  std::filesystem::path cwd_;
  Fd out_w_;                          // write end of the output pipe, given to every launch
  std::unique_ptr<LogCapture> capture_;  // its read end into the log
  std::unique_ptr<Child> child_;  // created and destroyed on the supervisor thread after start()
  SteadyTime::time_point started_at_;
  std::atomic<uint64_t> restarts_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::optional<Error> failure_;
  std::thread thread_;
};

}  // namespace

Status validate_cmd_workload(const WorkloadSpec& spec) {
  if (spec.cmd.find_first_not_of(" \t") == std::string::npos)
    return make_error(spec.origin + ": empty command (expected cmd:COMMAND LINE)");
  return Status::Ok();
}

Result<std::unique_ptr<Workload>> make_cmd_workload(const WorkloadSpec& spec) {
  SOAK_TRY(validate_cmd_workload(spec));
  return std::unique_ptr<Workload>(std::make_unique<CmdWorkload>(spec));
}

std::string expand_cmd_placeholders(const std::string& cmd, const WorkloadContext& ctx) {
  return CmdWorkload::expand_placeholders(cmd, ctx);
}

}  // namespace soak
