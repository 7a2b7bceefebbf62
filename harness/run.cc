// `soak run`: the run loop sequences small parts (DESIGN.md section 1):
// run directory -> launch -> log capture -> sampler -> readiness ->
// workloads -> wait for the end -> stop -> judge -> summary + reports.
#include "harness/run.h"

#include <poll.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <fstream>
#include <mutex>
#include <thread>

#include "analysis/summarize.h"
#include "common/exit_codes.h"
#include "common/log_capture.h"
#include "common/posix.h"
#include "harness/commands.h"
#include "harness/early_looks.h"
#include "harness/launcher.h"
#include "harness/native_heap.h"
#include "harness/progress.h"
#include "harness/readiness.h"
#include "harness/remote_watch.h"
#include "harness/run_dir.h"
#include "harness/sampler.h"
#include "harness/signals.h"
#include "harness/survivors.h"
#include "harness/sut_limits.h"
#include "harness/verdict.h"
#include "harness/warning_echo.h"
#include "probes/culprits.h"
#include "probes/registry.h"
#include "reports/reports.h"
#include "workloads/registry.h"

#ifndef SOAK_VERSION
#define SOAK_VERSION "0.0.0"
#endif

namespace soak {

namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr Duration kStopGrace = std::chrono::seconds(2);
constexpr Duration kTick = milliseconds(100);

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json host_facts() {
  nlohmann::json h;
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0) h["hostname"] = name;
  utsname u{};
  if (::uname(&u) == 0) {
    h["kernel"] = std::string(u.sysname) + " " + u.release;
    h["arch"] = u.machine;
  }
  h["cores"] = std::thread::hardware_concurrency();
  std::ifstream in("/proc/meminfo");
  std::string key;
  long long kb = 0;
  std::string unit;
  while (in >> key >> kb) {
    std::getline(in, unit);
    if (key == "MemTotal:") {
      h["memory_bytes"] = kb * 1024;
      break;
    }
  }
  return h;
}

std::string budget_spec_list_item(const Budget& b) { return b.spec; }

nlohmann::json run_json(const RunConfig& c) {
  nlohmann::json j;
  j["schema"] = "soak.run/v1";
  j["version"] = SOAK_VERSION;
  j["start_utc"] = utc_now();
  j["host"] = host_facts();
  j["command"] = c.command;
  std::error_code ec;
  j["cwd"] = fs::absolute(c.cwd, ec).lexically_normal().string();
  j["pid"] = nullptr;
  j["interval_s"] = to_seconds(c.interval);
  j["duration_s"] = to_seconds(c.duration);
  if (c.warmup) j["warmup"] = to_seconds(*c.warmup);
  else j["warmup"] = "auto";
  j["budgets"] = nlohmann::json::array();
  for (const auto& b : c.budgets) j["budgets"].push_back(budget_spec_list_item(b));
  j["strict"] = c.strict;
  j["confidence"] = c.confidence;
  j["fail_fast"] = c.fail_fast;
  j["config"] = c.resolved.is_null() ? nlohmann::json::object() : c.resolved;
  j["native_heap"] = native_heap_json(c.native_heap);
  return j;
}

nlohmann::json exit_fields(const ExitStatus& st) {
  nlohmann::json j = nlohmann::json::object();
  if (st.code) j["code"] = *st.code;
  if (st.signal) j["signal"] = signal_name(*st.signal);
  return j;
}

std::string describe_exit(const ExitStatus& st) { return soak::describe_exit(to_sut_exit(st, false)); }

// The workload block exactly as summary.json writes it.
nlohmann::json workload_json(const WorkloadSummary& w) {
  Summary s;
  s.workload = w;
  return to_json(s)["workload"];
}

std::string status_word(RunStatus s) {
  std::string w(to_string(s));
  std::transform(w.begin(), w.end(), w.begin(), [](unsigned char ch) { return std::toupper(ch); });
  return w;
}

// The latest process figures for the progress line (sampler thread writes).
struct Latest {
  std::mutex mu;
  ProgressState s;
};

// One run, as a pipeline of steps (execute() reads as DESIGN.md section 1):
//   prepare -> start_sut (launch + log capture, or observe_remote) ->
//   start_sampling -> become_ready -> start_workloads -> end_reason_loop ->
//   finish = stop_all -> judge_and_report -> print_verdict.
// A step that fails sets end_reason_/outcome_ and returns false; finish()
// still runs, so every ending stops everything and writes its summary.
class Run {
 public:
  explicit Run(const RunConfig& config) : config_(config) {}
  int execute();

 private:
  // Steps, in order.
  /// Validates what can fail without launching and creates the run
  /// directory; an exit code (2, or 5 when run.json cannot be written) ends
  /// the run at once.
  std::optional<int> prepare();
  bool start_sut();
  void start_sampling();
  bool become_ready();
  bool start_workloads();
  std::string end_reason_loop();
  int finish();
  void stop_all();
  Summary judge_and_report();
  void print_verdict(const Summary& summary);

  // Parts of the steps.
  int setup_error(const std::string& message, int code);
  bool launch();
  Status start_log_capture();
  void observe_remote();
  std::optional<std::string> load_url() const;
  std::string log_tail_text() const;
  void guard_against_survivors();
  /// The first failed write of the run directory or sut.log (a full disk).
  std::optional<std::string> write_failure() const;
  void stop_survivors();
  enum class ReadyResult { kReady, kTimeout, kExited, kInterrupted, kRefused, kWriteError };
  ReadyResult wait_ready();
  void capture_profiles(const std::string& label);
  void maybe_fail_fast(double since_ready_s);
  /// soak launched the SUT (otherwise it observes a service through
  /// --metrics/--go and watches it with remote_).
  bool local() const { return !config_.command.empty(); }
  /// The SUT ended during the run: it exited, or (not local) was lost.
  bool sut_gone();
  double elapsed_since_ready() const {
    return std::chrono::duration<double>(clock_.now() - ready_at_).count();
  }

  const RunConfig& config_;
  // First member, so destroyed last: it outlives everything the run started.
  std::unique_ptr<Watchdog> watchdog_;
  SteadyClock clock_;
  std::unique_ptr<RunDir> dir_;
  std::unique_ptr<WarningEcho> echo_;  // dir_ for probes, printing their warnings
  std::vector<std::unique_ptr<Probe>> probes_;
  std::vector<std::unique_ptr<Workload>> workloads_;
  std::unique_ptr<SignalWatcher> signals_;
  std::unique_ptr<SutLimits> limits_;  // outlives child_: its cgroup goes after the tree
  std::unique_ptr<Child> child_;
  std::unique_ptr<RemoteWatch> remote_;
  std::unique_ptr<LogCapture> log_;
  std::unique_ptr<Sampler> sampler_;
  std::unique_ptr<ReadinessCheck> ready_;
  std::unique_ptr<Progress> progress_;
  Latest latest_;

  TimePoint ready_at_{};
  std::optional<double> ready_s_;
  std::optional<double> warmup_end_s_;
  std::string end_reason_;
  Outcome outcome_;
  std::vector<std::string> warnings_;
  std::optional<int> interrupted_by_;
  int looks_done_ = 0;
  LookPlan look_plan_;
  // Set by stop_all().
  double end_s_ = 0;
  double run_s_ = 0;
  std::vector<WorkloadSummary> workload_summaries_;
};

bool Run::sut_gone() {
  if (child_) return child_->exit_status().has_value();
  if (!remote_) return false;
  if (auto why = remote_->lost(clock_.now())) {
    if (outcome_.sut_failure.empty()) {
      outcome_.sut_failure = *why;
      dir_->emit("sut_lost", {{"message", *why}});
      std::fprintf(stderr, "soak: %s\n", why->c_str());
    }
    return true;
  }
  return false;
}

int Run::setup_error(const std::string& message, int code) {
  std::fprintf(stderr, "soak: %s\n", message.c_str());
  return code;
}

bool Run::launch() {
  LaunchSpec spec;
  spec.command = config_.command;
  spec.cwd = config_.cwd;
  spec.env = config_.env;
  if (config_.gctrace) merge_gctrace(spec.env);
  if (auto st = add_native_heap_env(config_.native_heap, dir_->path() / "heap", spec.env); !st)
    warnings_.push_back("--native-heap: " + st.message());
  spec.child_setup = [confine = limits_->child()] { return confine.apply_in_child(); };
  dir_->set_launch_time(clock_.now());
  auto child = launch_sut(spec);
  if (!child) {
    dir_->emit("launch_failed", {{"message", child.message()}});
    std::fprintf(stderr, "soak: the SUT could not start: %s\n", child.message().c_str());
    return false;
  }
  child_ = std::move(*child);
  if (watchdog_) watchdog_->rescan();
  dir_->emit("launched", {{"pid", child_->pid()}});
  return true;
}

Run::ReadyResult Run::wait_ready() {
  auto deadline = clock_.now() + config_.ready_timeout;
  while (true) {
    if (signals_->received()) return ReadyResult::kInterrupted;
    if (write_failure()) return ReadyResult::kWriteError;  // a full disk before ready
    if (child_ && child_->exit_status()) return ReadyResult::kExited;
    auto left = deadline - clock_.now();
    if (left <= Duration::zero()) return ReadyResult::kTimeout;
    auto t0 = clock_.now();
    if (ready_->poll(std::min<Duration>(left, milliseconds(500)))) {
      // A port can accept just before a crash: ready means still alive.
      if (child_ && child_->exit_status()) return ReadyResult::kExited;
      return ReadyResult::kReady;
    }
    if (ready_->refused()) return ReadyResult::kRefused;  // retrying cannot help (a refused certificate)
    auto spent = clock_.now() - t0;
    if (spent < kTick) {
      pollfd p{signals_->fd(), POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(std::chrono::duration_cast<milliseconds>(kTick - spent).count()));
    }
  }
}

void Run::capture_profiles(const std::string& label) {
  std::vector<ProfileCapturer*> capturers;
  for (auto& p : probes_)
    if (auto* c = dynamic_cast<ProfileCapturer*>(p.get())) capturers.push_back(c);
  if (capturers.empty()) return;
  fs::path dir = dir_->profiles_dir();
  sampler_->run_on_thread([&] {
    for (auto* c : capturers) {
      auto st = c->capture(dir, label);
      if (!st) {
        auto* probe = dynamic_cast<Probe*>(c);
        dir_->emit("probe_error", {{"probe", probe ? std::string(probe->name()) : "profile"},
                                   {"message", "profile capture \"" + label + "\": " + st.message()}});
      }
    }
  });
}

void Run::maybe_fail_fast(double since_ready_s) {
  // Looks 1..K-1 here; look K is the final judgement (finish()).
  if (!config_.fail_fast || look_plan_.planned <= 1 || looks_done_ >= look_plan_.planned - 1) return;
  if (since_ready_s < look_plan_.at_s(looks_done_ + 1)) return;
  ++looks_done_;
  bool has_slope = std::any_of(config_.budgets.begin(), config_.budgets.end(),
                               [](const Budget& b) { return b.kind == BudgetKind::kSlope; });
  if (!has_slope) return;
  RunData data = dir_->snapshot();
  double first = dir_->now_s();
  for (const auto& s : data.series)
    if (!s.t.empty()) first = std::min(first, s.t.front());
  AnalysisOptions opt = look_options(look_plan_, looks_done_, config_.confidence, config_.warmup, *ready_s_, first,
                                     dir_->now_s());
  // Recorded: the final judgement (and `soak check`) spends what is left.
  dir_->emit("early_look", {{"look", looks_done_}, {"of", look_plan_.planned}, {"confidence", opt.confidence}});
  Judgement j = judge_run(data, config_.budgets, opt);
  for (const auto& b : j.budgets) {
    if (b.kind == "slope" && b.verdict == Verdict::kFail) {
      if (!early_fail_stops(data, j, b, dir_->now_s())) continue;
      capture_profiles("early_fail");
      dir_->emit("early_fail", {{"budget", b.spec},
                                {"reason", b.reason},
                                {"look", looks_done_},
                                {"confidence", opt.confidence}});
      outcome_.early_fail = true;
      end_reason_ = "early_fail";
      return;
    }
  }
}

std::string Run::end_reason_loop() {
  double total_s = to_seconds(config_.duration);
  // Since ready: --warmup, or under auto the profile baseline at 10 %.
  const LookPlan plan = plan_looks(config_.duration, config_.warmup);
  std::optional<double> warmup_at = plan.warmup_s;
  if (config_.fail_fast) look_plan_ = plan;
  while (true) {
    double since = elapsed_since_ready();
    reap_orphans();
    if (int sig = signals_->received()) {
      interrupted_by_ = sig;
      return "interrupted";
    }
    if (sut_gone()) return child_ ? "sut_exited" : "sut_lost";
    if (limits_ && limits_->oom_in_tree()) {
      // Usually the process soak launched was the victim: its exit is on
      // the way. Otherwise another process of its tree was.
      if (child_ && child_->wait_for(milliseconds(500))) return "sut_exited";
      return "oom_killed";
    }
    if (auto err = write_failure()) {
      std::fprintf(stderr, "soak: %s; stopping the run\n", err->c_str());
      outcome_.internal_error = *err;
      return "write_error";
    }
    for (auto& w : workloads_) {
      if (auto f = w->failure()) {
        dir_->emit("workload_failed", {{"workload", std::string(w->name())}, {"message", f->message}});
        std::fprintf(stderr, "soak: workload %s failed: %s\n", std::string(w->name()).c_str(),
                     f->message.c_str());
        outcome_.internal_error = "workload " + std::string(w->name()) + " failed: " + f->message;
        return "workload_failed";
      }
    }
    if (since >= total_s) return "duration";
    if (warmup_at && since >= *warmup_at && !warmup_end_s_) {
      warmup_end_s_ = dir_->now_s();
      dir_->emit("warmup_end", {{"auto", !config_.warmup.has_value()}});
      capture_profiles("warmup_end");
    }
    maybe_fail_fast(since);
    if (!end_reason_.empty()) return end_reason_;
    {
      std::lock_guard lock(latest_.mu);
      latest_.s.elapsed_s = since;
      latest_.s.total_s = total_s;
      progress_->update(latest_.s);
    }
    double left_ms = (total_s - since) * 1000.0;
    int wait_ms = static_cast<int>(std::clamp(left_ms, 1.0, 100.0));
    pollfd p{signals_->fd(), POLLIN, 0};
    ::poll(&p, 1, wait_ms);
  }
}

// The pipeline; each step reports its failure through end_reason_/outcome_
// (or returns an exit code before anything is launched).
int Run::execute() {
  if (auto code = prepare()) return *code;
  if (!start_sut()) return finish();
  start_sampling();
  if (!become_ready()) return finish();
  if (!start_workloads()) return finish();
  end_reason_ = end_reason_loop();
  return finish();
}

int Run::finish() {
  progress_->finish();
  stop_all();
  Summary summary = judge_and_report();
  print_verdict(summary);
  return summary.exit_code;
}

std::optional<int> Run::prepare() {
  // A file-size limit (RLIMIT_FSIZE) makes writes fail with EFBIG, which the
  // run reports (exit 5), instead of killing soak with SIGXFSZ.
  ::signal(SIGXFSZ, SIG_IGN);
  // Everything that can fail without launching anything.
  auto dir = RunDir::create(config_.out, config_.force, clock_, /*keep_samples=*/config_.fail_fast);
  if (!dir) return setup_error(dir.message(), exit_code::kUsage);
  dir_ = std::move(*dir);
  if (auto st = check_report_outputs(dir_->path()); !st) return setup_error(st.message(), exit_code::kUsage);
  echo_ = std::make_unique<WarningEcho>(*dir_);
  auto probe_opts = probe_options(config_);
  probe_opts.events = echo_.get();
  auto probes = make_probes(probe_opts);
  if (!probes) return setup_error(probes.message(), exit_code::kUsage);
  probes_ = std::move(*probes);
  auto limits = SutLimits::prepare(config_);  // the SUT's cgroup, before anything is launched
  if (!limits) return setup_error(limits.message(), exit_code::kUsage);
  limits_ = std::move(*limits);
  for (auto& p : limits_->probes(config_.interval)) probes_.push_back(std::move(p));
  for (const auto& spec : config_.workloads) {
    auto w = make_workload(spec);
    if (!w) return setup_error(w.message(), exit_code::kUsage);
    workloads_.push_back(std::move(*w));
  }
  nlohmann::json run_facts = run_json(config_);
  run_facts.update(limits_->run_json_fields());
  if (auto st = dir_->write_run_json(run_facts); !st) return setup_error(st.message(), exit_code::kInternal);

  if (!config_.native_heap.note.empty()) {
    warnings_.push_back(config_.native_heap.note);
    std::fprintf(stderr, "soak: warning: %s\n", config_.native_heap.note.c_str());
  }
  if (auto w = insecure_warning(config_.http_client)) {
    warnings_.push_back(*w);
    std::fprintf(stderr, "soak: warning: %s\n", w->c_str());
  }
  signals_ = std::make_unique<SignalWatcher>();
  progress_ = std::make_unique<Progress>(config_.style, stderr, ::isatty(2) != 0);
  auto ready = readiness_spec(config_);
  if (!ready) return setup_error(ready.message(), exit_code::kUsage);
  ready_ = std::make_unique<ReadinessCheck>(*ready, config_.http);
  return std::nullopt;
}

// No survivors in any ending (docs/run.md "No survivors"): soak becomes a
// child subreaper and starts the watchdog before it starts anything else.
void Run::guard_against_survivors() {
  const size_t before = warnings_.size();  // earlier ones were printed when added
  if (int err = become_subreaper())
    warnings_.push_back(std::string("cannot become a child subreaper: ") + std::strerror(err) +
                        "; daemonized descendants may survive a SIGKILL of soak");
  auto w = Watchdog::start();
  if (!w) warnings_.push_back("no watchdog (" + w.message() + "); descendants may survive a SIGKILL of soak");
  else watchdog_ = std::move(*w);
  for (size_t i = before; i < warnings_.size(); ++i) std::fprintf(stderr, "soak: warning: %s\n", warnings_[i].c_str());
}

std::optional<std::string> Run::write_failure() const {
  if (auto e = dir_->write_error()) return e;
  if (log_) return log_->write_error();
  return std::nullopt;
}

// What is left after the SUT's group and the workloads were stopped:
// descendants that left their process group (setsid daemons).
void Run::stop_survivors() {
  std::set<pid_t> exclude;
  if (watchdog_) exclude.insert(watchdog_->pid());
  Descendants rest(::getpid(), exclude);
  rest.scan();
  auto pids = rest.end_all(kStopGrace / 2);
  if (pids.empty()) return;
  dir_->emit("survivors_stopped", {{"pids", pids}});
  warnings_.push_back(std::to_string(pids.size()) +
                      " process(es) that had left the SUT's process group (daemons) were still running "
                      "after the SUT was stopped; soak ended them");
}

bool Run::start_sut() {
  guard_against_survivors();
  // Without a command soak observes a service it did not launch: nothing to
  // start, no log.
  if (!local()) {
    observe_remote();
    return true;
  }
  if (!launch()) {
    outcome_.sut_failed = true;
    end_reason_ = "sut_not_ready";
    return false;
  }
  {
    auto run = dir_->snapshot().run;
    run["pid"] = child_->pid();
    (void)dir_->write_run_json(run);
  }
  if (auto st = start_log_capture(); !st) {
    outcome_.internal_error = st.message();
    end_reason_ = "error";
    return false;
  }
  return true;
}

Status Run::start_log_capture() {
  log_ = std::make_unique<LogCapture>(dir_->path() / "sut.log", config_.sut_log_limit_bytes);
  for (auto& p : probes_)
    if (auto* obs = dynamic_cast<LogObserver*>(p.get()))
      log_->add_line_observer([this, obs](std::string_view line, bool is_err) {
        obs->on_line(line, is_err, dir_->now_s());
      });
  log_->add_line_observer([this](std::string_view line, bool) { ready_->feed_line(line); });
  log_->on_capped([this](double limit) { dir_->emit("sut_log_capped", {{"limit_bytes", limit}}); });
  log_->keep_tail_file(dir_->path() / "sut.tail.log");  // the true last lines, whatever the cap
  return log_->start(child_->take_stdout(), child_->take_stderr());
}

void Run::observe_remote() {
  dir_->set_launch_time(clock_.now());
  // Silent for longer than it may take to become ready, or longer than
  // three of the slowest probe's intervals, counts as lost.
  Duration allowance = config_.ready_timeout;
  for (auto& p : probes_) allowance = std::max<Duration>(allowance, 3 * p->interval());
  remote_ = std::make_unique<RemoteWatch>(allowance);
  dir_->emit("observing", {{"metrics", config_.metrics_url ? nlohmann::json(*config_.metrics_url) : nlohmann::json()},
                           {"go", config_.go_url ? nlohmann::json(*config_.go_url) : nlohmann::json()}});
}

void Run::start_sampling() {
  sampler_ = std::make_unique<Sampler>(
      clock_,
      [this](TimePoint when, const std::vector<Reading>& rs) {
        dir_->append_samples(dir_->seconds_at(when), rs);
        std::lock_guard lock(latest_.mu);
        for (const auto& r : rs) {
          if (r.series == "rss_bytes") latest_.s.rss_bytes = r.value;
          else if (r.series == "threads") latest_.s.threads = r.value;
          else if (r.series == "fds") latest_.s.fds = r.value;
        }
      },
      [this](const std::string& source, const std::string& message, int repeats) {
        nlohmann::json f = {{"probe", source}, {"message", message}};
        if (repeats > 0) f["repeats"] = repeats;
        dir_->emit("probe_error", f);
      });
  Target target{child_ ? child_->pid() : -1};
  for (auto& p : probes_) {
    Probe* probe = p.get();
    if (remote_)
      sampler_->add(std::string(probe->name()), probe->interval(), [this, probe, target] {
        auto r = probe->sample(target);
        if (r) remote_->observe(clock_.now(), *r);
        return r;
      });
    else
      sampler_->add(std::string(probe->name()), probe->interval(),
                    [probe, target] { return probe->sample(target); });
  }
  for (auto& w : workloads_)
    if (auto* src = dynamic_cast<ReadingSource*>(w.get()))
      sampler_->add(std::string(w->name()), config_.interval,
                    [src]() -> Result<std::vector<Reading>> { return src->take_readings(); });
  sampler_->set_origin(clock_.now());
  sampler_->start();
}

std::string Run::log_tail_text() const {
  std::string tail;
  for (const auto& l : log_->tail()) tail += "  | " + l + "\n";
  return tail.empty() ? "  (sut.log is empty)\n" : tail;
}

bool Run::become_ready() {
  switch (wait_ready()) {
    case ReadyResult::kReady: break;
    case ReadyResult::kInterrupted:
      interrupted_by_ = signals_->received();
      end_reason_ = "interrupted";
      return false;
    case ReadyResult::kExited: {  // local only
      auto st = *child_->exit_status();
      std::string msg = "the SUT " + describe_exit(st) + " before it was ready (" + ready_->describe() + ")";
      end_reason_ = "sut_not_ready";
      outcome_.sut_failed = true;
      log_->stop();
      std::fprintf(stderr, "soak: %s; last lines of %s:\n%s", msg.c_str(),
                   (dir_->path() / "sut.log").c_str(), log_tail_text().c_str());
      return false;
    }
    case ReadyResult::kWriteError: {
      std::string err = *write_failure();
      std::fprintf(stderr, "soak: %s; stopping the run\n", err.c_str());
      outcome_.internal_error = err;
      end_reason_ = "write_error";
      return false;
    }
    case ReadyResult::kRefused:
    case ReadyResult::kTimeout: {
      std::string msg = ready_->refused() ? "the readiness check failed: " + *ready_->refused()
                                          : "the SUT was not ready (" + ready_->describe() + ") within " +
                                                format_duration(config_.ready_timeout) +
                                                (ready_->last_failure().empty() ? "" : "; last attempt: " + ready_->last_failure());
      dir_->emit("ready_timeout", {{"message", msg}});
      end_reason_ = "sut_not_ready";
      outcome_.sut_failed = true;
      if (!log_) std::fprintf(stderr, "soak: %s\n", msg.c_str());
      else
        std::fprintf(stderr, "soak: %s; last lines of %s:\n%s", msg.c_str(),
                     (dir_->path() / "sut.log").c_str(), log_tail_text().c_str());
      return false;
    }
  }
  ready_at_ = clock_.now();
  ready_s_ = dir_->seconds_at(ready_at_);
  if (remote_) remote_->start(ready_at_);
  dir_->emit("ready");
  return true;
}

std::optional<std::string> Run::load_url() const {
  // The URL the user made readiness wait for (not the one a run without a
  // command waits for: that is the metrics or pprof endpoint, not for load).
  if (config_.ready)
    if (auto url = ready_->url()) return url;
  for (const auto& spec : config_.workloads)
    if (spec.kind == WorkloadSpec::Kind::kHttp && spec.http.contains("url") && spec.http["url"].is_string())
      return spec.http["url"].get<std::string>();
  return std::nullopt;
}

bool Run::start_workloads() {
  std::optional<std::string> url = load_url();
  for (size_t i = 0; i < workloads_.size(); ++i) {
    WorkloadContext ctx;
    ctx.url = url;
    ctx.duration = config_.duration;
    ctx.log_path = dir_->path() / (i == 0 ? std::string("workload.log") : "workload-" + std::to_string(i + 1) + ".log");
    ctx.log_limit_bytes = config_.sut_log_limit_bytes;
    ctx.events = echo_.get();
    ctx.cwd = config_.cwd;
    auto st = workloads_[i]->start(ctx);
    std::string name(workloads_[i]->name());
    if (!st) {
      dir_->emit("workload_failed", {{"workload", name}, {"message", st.message()}});
      std::fprintf(stderr, "soak: workload %s failed to start: %s\n", name.c_str(), st.message().c_str());
      outcome_.internal_error = "workload " + name + " failed to start: " + st.message();
      end_reason_ = "workload_failed";
      return false;
    }
    dir_->emit("workload_started", {{"workload", name}, {"origin", config_.workloads[i].origin}});
  }
  if (watchdog_) watchdog_->rescan();
  return true;
}

void Run::stop_all() {
  end_s_ = dir_->now_s();
  run_s_ = ready_s_ ? std::max(0.0, end_s_ - *ready_s_) : 0.0;
  bool sut_running = child_ ? !child_->exit_status() : remote_ && !sut_gone();

  if (end_reason_ == "interrupted") {
    int sig = interrupted_by_.value_or(SIGINT);
    dir_->emit("interrupted", {{"signal", signal_name(sig)}});
    outcome_.interrupted = true;
  }
  // Profiles at the end while the SUT still runs (not when hurrying after a
  // signal: the CI runner kills us a few seconds later).
  if (sut_running && sampler_ && ready_s_ && end_reason_ != "interrupted" && end_reason_ != "early_fail")
    capture_profiles("end");

  for (auto& w : workloads_) {
    const bool failed_before = w->failure().has_value();  // the run loop ended on it
    w->stop();
    if (auto f = w->failure(); f && !failed_before && !outcome_.internal_error) {
      // Failed while stopping: its log could not be written (a full disk).
      std::fprintf(stderr, "soak: workload %s: %s\n", std::string(w->name()).c_str(), f->message.c_str());
      outcome_.internal_error = "workload " + std::string(w->name()) + ": " + f->message;
    }
    WorkloadSummary s = w->summary();
    workload_summaries_.push_back(s);
    if (ready_s_)
      dir_->emit("workload_end", {{"workload", std::string(w->name())}, {"summary", workload_json(s)}});
  }
  if (sampler_) sampler_->stop();

  if (remote_ && !sut_running) {
    outcome_.sut_failed = true;
  } else if (child_ && end_reason_ == "oom_killed") {
    // The OOM killer took a process of the SUT's tree (not necessarily the
    // one soak launched): a SUT failure like its own death.
    ExitStatus st = child_->stop(kStopGrace);
    dir_->emit("sut_stopped", exit_fields(st));
    SutExit ex{.signal = "SIGKILL", .oom_killed = true};
    ex.memory_limit_bytes = limits_->memory_limit_bytes();
    ex.after_s = round_ms(run_s_);
    nlohmann::json f = {{"signal", "SIGKILL"}, {"oom_killed", true}, {"in_tree", true}, {"after_s", *ex.after_s}};
    if (ex.memory_limit_bytes) f["memory_limit_bytes"] = *ex.memory_limit_bytes;
    dir_->emit("sut_exited", f);
    outcome_.sut_failed = true;
    outcome_.sut_exit = ex;
    std::fprintf(stderr, "soak: the SUT %s\n", soak::describe_exit(ex).c_str());
  } else if (child_) {
    if (sut_running) {
      ExitStatus st = child_->stop(kStopGrace);
      // It may have ended on its own between the check and the stop.
      dir_->emit("sut_stopped", exit_fields(st));
    } else {
      ExitStatus st = *child_->exit_status();
      bool oom = limits_->oom_killed(st.signal && *st.signal == SIGKILL);
      SutExit ex = to_sut_exit(st, oom);
      if (oom) ex.memory_limit_bytes = limits_->memory_limit_bytes();
      if (ready_s_) ex.after_s = round_ms(run_s_);
      nlohmann::json f = exit_fields(st);
      f["oom_killed"] = oom;
      if (ex.memory_limit_bytes) f["memory_limit_bytes"] = *ex.memory_limit_bytes;
      if (ex.after_s) f["after_s"] = *ex.after_s;
      dir_->emit("sut_exited", f);
      outcome_.sut_failed = true;
      outcome_.sut_exit = ex;
      if (end_reason_ == "sut_exited")
        std::fprintf(stderr, "soak: the SUT %s during the run\n", soak::describe_exit(ex).c_str());
      child_->stop(kStopGrace);  // whatever is left of its group
    }
  }
  stop_survivors();
  if (log_) log_->stop();
  if (limits_)
    if (auto removed = limits_->release(); !removed.is_null()) dir_->emit("cgroup_removed", removed);
  dir_->emit("run_end", {{"reason", end_reason_}, {"duration_s", round_ms(run_s_)}});
}

Summary Run::judge_and_report() {
  // Judge what is on disk, as `soak check` will, so both agree; what is in
  // memory (samples only under --fail-fast) if the files cannot be read back.
  auto loaded = load_run_dir(dir_->path());
  RunData data = loaded ? std::move(*loaded) : dir_->snapshot();
  if (!loaded) warnings_.push_back("run directory could not be read back: " + loaded.message());
  AnalysisOptions opt;
  // Under --fail-fast the last look of the plan: its fails spend what the
  // early looks left; passes (and the interval shown) keep the confidence.
  opt.confidence = config_.confidence;
  opt.fail_alpha = final_look_fail_alpha(data, config_.confidence);
  if (config_.warmup && ready_s_) opt.warmup_s = *ready_s_ + to_seconds(*config_.warmup);
  opt.end_s = end_s_;
  Judgement judgement = judge_run(data, config_.budgets, opt);
  std::optional<PendingHistory> history;  // --history: regression rows now, the record appended below
  if (config_.history) {
    auto p = judge_history(*config_.history, data.run, dir_->path(), judgement);
    if (p) history = std::move(*p);
    else judgement.warnings.push_back("history not judged: " + p.message());
  }

  SummaryFacts facts;
  facts.command = config_.command;
  if (child_) facts.pid = child_->pid();
  facts.ready_s = ready_s_;
  facts.duration_s = run_s_;
  facts.interval_s = to_seconds(config_.interval);
  facts.strict = config_.strict;
  facts.workload = merge_workloads(workload_summaries_);
  facts.culprits = find_culprits(dir_->profiles_dir());
  facts.warnings = warnings_;
  for (auto& w : event_warnings(data)) facts.warnings.push_back(std::move(w));
  if (log_ && log_->capped())
    facts.warnings.push_back("sut.log reached its cap of " + format_bytes(config_.sut_log_limit_bytes) +
                             "; later output was dropped (its last lines are in sut.tail.log)");
  Summary summary = assemble_summary(data, judgement, outcome_, facts);

  // write_reports writes summary.json first, then the rest.
  auto rep = write_reports(dir_->path(), summary, data, report_options_from_env());
  if (!rep) {
    // A report that cannot be written (a full disk) is a write error of the
    // run: exit 5 naming the file. The summary is assembled again with it,
    // so the outcome's usual precedence holds (an interruption or a SUT
    // failure says more), and summary.json is rewritten to agree when it
    // still can be.
    std::fprintf(stderr, "soak: %s\n", rep.message().c_str());
    if (outcome_.internal_error) facts.warnings.push_back("internal error: " + rep.message());
    else outcome_.internal_error = rep.message();
    summary = assemble_summary(data, judgement, outcome_, facts);
    (void)write_file_atomic(dir_->path() / "summary.json", to_json(summary).dump(2) + "\n");
  } else
    for (const auto& w : *rep) std::fprintf(stderr, "soak: warning: %s\n", w.c_str());
  if (history)
    if (auto st = finish_history(*history, summary); !st) std::fprintf(stderr, "soak: warning: %s\n", st.message().c_str());
  return summary;
}

void Run::print_verdict(const Summary& summary) {
  // Printed in every style: the CI log is what a person reads first. The
  // table as `soak report` prints it, the report's path, the verdict line.
  std::string table = verdict_table(summary, /*status_line=*/false);
  std::fputs(table.c_str(), stdout);
  std::error_code ec;
  if (fs::exists(dir_->path() / "report.html", ec)) std::printf("report: %s\n", (dir_->path() / "report.html").c_str());
  std::printf("soak: %s (exit %d) after %s; run directory: %s\n", status_word(summary.status).c_str(),
              summary.exit_code, format_duration(from_seconds(run_s_)).c_str(), dir_->path().c_str());
  std::fflush(stdout);
}

}  // namespace

int run_soak(const RunConfig& config) {
  try {
    Run run(config);
    return run.execute();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "soak: internal error: %s\n", e.what());
    return exit_code::kInternal;
  }
}

}  // namespace soak
