// No survivors in any ending (issue 13 item 1, docs/run.md "No survivors"):
// a SUT that forks a child and a daemon that double-forks and calls setsid,
// plus a cmd: workload with a child of its own; soak is then SIGKILLed or
// hung up on. Every one of those processes must be gone within 5 s, the exit
// code is the documented one and the run directory loads.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "probes/proc.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::TempDir;
using SteadyTime = std::chrono::steady_clock;

// The SUT: a child in its group, and a daemon in a session of its own whose
// parent exits at once (it is re-parented away from the SUT). Each writes
// its pid into DIR.
const char* kSutScript = R"(#!/bin/sh
D="$1"
sh -c "setsid sh -c 'echo \$\$ > $D/daemon.pid; exec sleep 1000' & exit 0"
sleep 1000 & echo $! > "$D/child.pid"
echo ready
wait
)";

std::vector<nlohmann::json> read_jsonl(const fs::path& p) {
  std::vector<nlohmann::json> out;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    try {
      out.push_back(nlohmann::json::parse(line));
    } catch (const std::exception&) {  // a line being written
    }
  }
  return out;
}

std::optional<double> event_time(const fs::path& out, const std::string& name) {
  for (auto& e : read_jsonl(out / "events.jsonl"))
    if (e.value("event", "") == name) return e["t"].get<double>();
  return std::nullopt;
}

double last_sample_time(const fs::path& out) {
  auto lines = read_jsonl(out / "samples.jsonl");
  return lines.empty() ? 0.0 : lines.back()["t"].get<double>();
}

pid_t launched_pid(const fs::path& out) {
  for (auto& e : read_jsonl(out / "events.jsonl"))
    if (e.value("event", "") == "launched") return e["pid"].get<int>();
  return 0;
}

struct Scene {
  TempDir tmp;
  fs::path out = tmp / "out";
  std::unique_ptr<testing::Background> soak;
  std::map<std::string, pid_t> pids;

  ~Scene() {
    // A failed test leaves nothing behind either.
    soak.reset();
    for (const auto& [name, pid] : pids) ::kill(pid, SIGKILL);
  }

  Scene() {
    testing::write_file(tmp / "sut.sh", kSutScript);
    fs::permissions(tmp / "sut.sh", fs::perms::owner_all);
    std::string wl = "cmd:sleep 1000 & echo $! > " + (tmp / "workload-child.pid").string() + "; wait";
    soak = std::make_unique<testing::Background>(
        std::vector<std::string>{testing::soak_binary().string(), "run", "--out", out.string(), "--duration",
                                 "120s", "--style", "none", "--ready", "log:^ready$",
                                 "--workload", wl, "--", (tmp / "sut.sh").string(), tmp.path().string()},
        tmp / "soak.log");
  }

  /// Waits (up to 60 s: a loaded machine is slow to start things) until every
  /// process of the scene exists; returns their pids.
  std::map<std::string, pid_t> wait_started() {
    auto until = SteadyTime::now() + 60s;
    while (SteadyTime::now() < until) {
      pids.clear();
      for (const char* name : {"daemon", "child", "workload-child"}) {
        std::ifstream in(tmp / (std::string(name) + ".pid"));
        pid_t p = 0;
        if (in >> p && p > 0) pids[name] = p;
      }
      // The watchdog scans soak's tree every 200 ms: the scene counts as
      // started once the run has gone on for 1 s after its last process.
      auto started = event_time(out, "workload_started");
      if (pids.size() == 3 && started && last_sample_time(out) >= *started + 1.0) {
        pids["sut"] = launched_pid(out);
        return pids;
      }
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "the scene did not start: " << testing::read_file(tmp / "soak.log");
    return {};
  }
};

// Live (not zombie) processes among `pids`, or of their process groups.
std::vector<pid_t> alive(const std::map<std::string, pid_t>& pids) {
  std::vector<pid_t> out;
  ProcReader reader;
  auto stats = reader.all_stats();
  if (!stats) return out;
  for (const auto& [pid, st] : *stats) {
    if (st.state == 'Z' || st.state == 'X') continue;
    for (const auto& [name, p] : pids)
      if (pid == p || st.pgrp == p) out.push_back(pid);
  }
  return out;
}

/// Seconds until none of `pids` is alive, or nullopt when some still are
/// after `limit`.
std::optional<double> seconds_until_gone(const std::map<std::string, pid_t>& pids, std::chrono::seconds limit) {
  auto t0 = SteadyTime::now();
  while (SteadyTime::now() - t0 < limit) {
    if (alive(pids).empty()) return std::chrono::duration<double>(SteadyTime::now() - t0).count();
    std::this_thread::sleep_for(20ms);
  }
  return alive(pids).empty() ? std::optional<double>(to_seconds(limit)) : std::nullopt;
}

TEST(SurvivorsE2ETest, SigkillOfSoakLeavesNoSurvivors) {
  Scene s;
  auto pids = s.wait_started();
  ASSERT_EQ(pids.size(), 4u);
  ASSERT_EQ(alive(pids).size() >= 4, true);
  s.soak->stop(SIGKILL);  // no cleanup code of soak runs
  auto gone = seconds_until_gone(pids, 5s);
  ASSERT_TRUE(gone.has_value()) << "survivors 5 s after soak was SIGKILLed: " << ::testing::PrintToString(alive(pids));
  std::printf("all gone %.2f s after the SIGKILL of soak\n", *gone);
  // What was written so far loads: `soak check` judges it.
  auto r = testing::run_command({testing::soak_binary().string(), "check", s.out.string()}, 60);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST(SurvivorsE2ETest, SighupEndsTheRunLikeSigtermAndEndsTheDaemonToo) {
  Scene s;
  auto pids = s.wait_started();
  ASSERT_EQ(pids.size(), 4u);
  ::kill(s.soak->pid(), SIGHUP);
  int code = s.soak->wait(60);
  EXPECT_EQ(code, 130) << testing::read_file(s.tmp / "soak.log");
  // Gone by the time soak has returned.
  EXPECT_TRUE(alive(pids).empty()) << ::testing::PrintToString(alive(pids));
  auto events = testing::read_file(s.out / "events.jsonl");
  EXPECT_THAT(events, HasSubstr("\"signal\":\"SIGHUP\""));
  // The daemon left the SUT's group: the end-of-run sweep ended it.
  EXPECT_THAT(events, HasSubstr("\"survivors_stopped\""));
  auto summary = nlohmann::json::parse(testing::read_file(s.out / "summary.json"));
  EXPECT_EQ(summary["status"], "interrupted");
  EXPECT_EQ(summary["exit_code"], 130);
}

}  // namespace
}  // namespace soak
