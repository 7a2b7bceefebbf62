// The GitHub Actions files in ci/: parsed with PyYAML (no actionlint in
// Debian bookworm) and checked for the structure GitHub needs; the composite
// action's script is run for real with bash against a stand-in soak binary.
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/budget.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using nlohmann::json;
using soak::testing::read_file;
using soak::testing::run_command;
using soak::testing::source_dir;
using soak::testing::TempDir;

constexpr const char* kPython = "/usr/bin/python3";

// YAML -> JSON through PyYAML. YAML 1.1 reads the key `on` as true; map it back.
json load_yaml(const fs::path& file) {
  const char* script = R"(
import json, sys, yaml
def fix(x):
    if isinstance(x, dict):
        return {("on" if k is True else str(k)): fix(v) for k, v in x.items()}
    if isinstance(x, list):
        return [fix(v) for v in x]
    return x
json.dump(fix(yaml.safe_load(open(sys.argv[1]))), sys.stdout))";
  auto r = run_command({kPython, "-c", script, file.string()}, 60);
  EXPECT_EQ(r.exit_code, 0) << file << ": " << r.err;
  return r.exit_code == 0 ? json::parse(r.out) : json();
}

bool have_pyyaml() {
  return fs::exists(kPython) && run_command({kPython, "-c", "import yaml"}, 60).exit_code == 0;
}

const json* find_step_using(const json& steps, std::string_view prefix) {
  for (const auto& s : steps)
    if (s.contains("uses") && s["uses"].get<std::string>().rfind(prefix, 0) == 0) return &s;
  return nullptr;
}

TEST(CiNightlyWorkflow, HasScheduleDispatchBuildRunAndAlwaysUpload) {
  if (!have_pyyaml()) GTEST_SKIP() << "python3-yaml under /usr/bin/python3 is not installed";
  json w = load_yaml(source_dir() / "ci" / "soak-nightly.yml");
  ASSERT_TRUE(w.is_object());
  ASSERT_TRUE(w.contains("on"));
  EXPECT_EQ(w["on"]["schedule"][0]["cron"], "17 3 * * *");
  EXPECT_TRUE(w["on"].contains("workflow_dispatch"));
  ASSERT_EQ(w["jobs"].size(), 1u);
  const json& job = w["jobs"].begin().value();
  EXPECT_TRUE(job.contains("runs-on"));
  EXPECT_LE(job["timeout-minutes"].get<int>(), 360);  // hosted runners stop at 6 h
  const json& steps = job["steps"];
  ASSERT_NE(find_step_using(steps, "actions/checkout@"), nullptr);
  std::string all_runs;
  for (const auto& s : steps)
    if (s.contains("run")) all_runs += s["run"].get<std::string>() + "\n";
  EXPECT_THAT(all_runs, HasSubstr("scripts/setup.sh"));
  EXPECT_THAT(all_runs, HasSubstr("ninja -C build soak"));
  EXPECT_THAT(all_runs, HasSubstr("build/soak run --config ci/soak-nightly.json"));
  const json* upload = find_step_using(steps, "actions/upload-artifact@v4");
  ASSERT_NE(upload, nullptr);
  EXPECT_EQ((*upload)["if"], "always()");
  EXPECT_EQ((*upload)["with"]["path"], "soak-out/");
  // The upload comes after the soak step, so it sees the run directory.
  EXPECT_TRUE(std::prev(steps.end())->contains("uses"));
}

// The build history survives between nightly runs: restored from the cache
// by key prefix before the soak, passed with the commit as build id, saved
// under a new key afterwards even when the soak failed.
TEST(CiNightlyWorkflow, KeepsTheBuildHistoryBetweenRuns) {
  if (!have_pyyaml()) GTEST_SKIP() << "python3-yaml under /usr/bin/python3 is not installed";
  json w = load_yaml(source_dir() / "ci" / "soak-nightly.yml");
  const json& steps = w["jobs"].begin().value()["steps"];
  const json* restore = find_step_using(steps, "actions/cache/restore@");
  const json* save = find_step_using(steps, "actions/cache/save@");
  ASSERT_NE(restore, nullptr);
  ASSERT_NE(save, nullptr);
  EXPECT_EQ((*restore)["with"]["path"], "soak-history.jsonl");
  EXPECT_EQ((*save)["with"]["path"], "soak-history.jsonl");
  EXPECT_THAT((*restore)["with"]["restore-keys"].get<std::string>(), HasSubstr("soak-history-"));
  EXPECT_NE((*restore)["with"]["key"], (*save)["with"]["key"]);  // cache entries are immutable
  EXPECT_EQ((*save)["if"], "always()");
  size_t i_restore = 0, i_soak = 0, i_save = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (&steps[i] == restore) i_restore = i;
    if (&steps[i] == save) i_save = i;
    if (steps[i].contains("run") && steps[i]["run"].get<std::string>().find("build/soak run") != std::string::npos) {
      i_soak = i;
      EXPECT_THAT(steps[i]["run"].get<std::string>(),
                  HasSubstr("--history soak-history.jsonl --build ${{ github.sha }}"));
    }
  }
  EXPECT_LT(i_restore, i_soak);
  EXPECT_LT(i_soak, i_save);
}

TEST(CiNightlyConfig, IsJsonWithValidBudgets) {
  json c = json::parse(read_file(source_dir() / "ci" / "soak-nightly.json"));
  ASSERT_TRUE(c["sut"]["command"].is_array());
  for (const auto& [series, limit] : c["budgets"].items()) {
    auto b = parse_budget(series + "=" + limit.get<std::string>());
    EXPECT_TRUE(b.ok()) << series << ": " << (b.ok() ? "" : b.message());
  }
}

TEST(CiCompositeAction, IsCompositeWithInputsAndAlwaysSteps) {
  if (!have_pyyaml()) GTEST_SKIP() << "python3-yaml under /usr/bin/python3 is not installed";
  json a = load_yaml(source_dir() / "ci" / "action" / "action.yml");
  ASSERT_TRUE(a.is_object());
  EXPECT_EQ(a["runs"]["using"], "composite");
  for (const char* in : {"config", "duration", "out", "budgets", "args"})
    EXPECT_TRUE(a["inputs"].contains(in)) << in;
  EXPECT_EQ(a["inputs"]["config"]["required"], true);
  const json& steps = a["runs"]["steps"];
  for (const auto& s : steps) {
    if (s.contains("run")) {
      EXPECT_EQ(s["shell"], "bash");  // composite run steps need a shell
    }
  }
  const json* upload = find_step_using(steps, "actions/upload-artifact@v4");
  ASSERT_NE(upload, nullptr);
  EXPECT_EQ((*upload)["if"], "always()");
  const json& last = steps.back();
  EXPECT_EQ(last["if"], "always()");
  EXPECT_THAT(last["run"].get<std::string>(), HasSubstr("exit"));
}

// Runs the action's main script the way the runner would (bash -e, inputs in
// the environment) with a stand-in soak that records its arguments.
TEST(CiCompositeAction, ScriptPassesInputsAndRecordsExitCode) {
  if (!have_pyyaml()) GTEST_SKIP() << "python3-yaml under /usr/bin/python3 is not installed";
  json a = load_yaml(source_dir() / "ci" / "action" / "action.yml");
  std::string script = a["runs"]["steps"][0]["run"];
  TempDir d;
  soak::testing::write_file(d / "run.sh", script);
  soak::testing::write_file(d / "fake-soak",
                            "#!/bin/bash\nfor x in \"$@\"; do printf '[%s]' \"$x\"; done > \"" +
                                (d / "args").string() + "\"\nexit 1\n");
  chmod((d / "fake-soak").c_str(), 0755);
  auto r = run_command(
      {"/bin/bash", "-e", (d / "run.sh").string()}, 60,
      {"SOAK_BIN=" + (d / "fake-soak").string(), "SOAK_CONFIG=my config.json",
       "SOAK_DURATION=45m", "SOAK_OUT=out", "SOAK_BUDGETS=rss=2MiB/h\nfds=0/h  threads<=64",
       "SOAK_ARGS=--strict --fail-fast", "GITHUB_OUTPUT=" + (d / "gh_output").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;  // the step records the code; a later step fails
  EXPECT_EQ(read_file(d / "args"),
            "[run][--config][my config.json][--out][out][--duration][45m][--budget][rss=2MiB/h]"
            "[--budget][fds=0/h][--budget][threads<=64][--strict][--fail-fast]");
  EXPECT_EQ(read_file(d / "gh_output"), "exit-code=1\nreport=out/report.html\n");

  // With a history file, --history and --build follow.
  auto h = run_command({"/bin/bash", "-e", (d / "run.sh").string()}, 60,
                       {"SOAK_BIN=" + (d / "fake-soak").string(), "SOAK_CONFIG=c.json", "SOAK_OUT=out",
                        "SOAK_HISTORY=soak-history.jsonl", "SOAK_BUILD=abc123",
                        "GITHUB_OUTPUT=" + (d / "gh_output2").string()});
  EXPECT_EQ(h.exit_code, 0) << h.err;
  EXPECT_EQ(read_file(d / "args"),
            "[run][--config][c.json][--out][out][--history][soak-history.jsonl][--build][abc123]");
}

}  // namespace
}  // namespace soak
