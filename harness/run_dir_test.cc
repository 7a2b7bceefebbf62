#include "harness/run_dir.h"

#include <gtest/gtest.h>

#include "tests/testing/testing.h"

namespace soak {
namespace {

using testing::TempDir;

class ManualClock final : public Clock {
 public:
  TimePoint now() const override { return now_; }
  TimePoint now_{std::chrono::seconds(100)};
};

TEST(RunDirTest, WritesLinesThatLoadRunDirReadsBack) {
  TempDir tmp;
  ManualClock clock;
  auto rd = RunDir::create(tmp / "out", false, clock);
  ASSERT_TRUE(rd.ok()) << rd.message();
  auto& dir = **rd;
  ASSERT_TRUE(dir.write_run_json({{"schema", "soak.run/v1"}, {"interval_s", 0.5}, {"budgets", {"rss<=1MiB"}}}).ok());
  dir.emit("launch_failed_before_t0", {{"x", 1}});
  dir.set_launch_time(clock.now_);
  clock.now_ += std::chrono::milliseconds(1500);
  dir.emit("ready");
  dir.append_samples(1.5, {{"rss_bytes", 1000, {}}, {"threads", 3, {}}});
  dir.append_samples(2.0, {{"rss_bytes", 1100, {}}, {"go_heap_live_bytes", 7, 1.25}});
  auto loaded = load_run_dir(dir.path());
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  EXPECT_EQ(loaded->sample_lines, 3u);
  const SeriesData* rss = loaded->find("rss_bytes");
  ASSERT_NE(rss, nullptr);
  EXPECT_EQ(rss->v, (std::vector<double>{1000, 1100}));
  const SeriesData* live = loaded->find("go_heap_live_bytes");
  ASSERT_NE(live, nullptr);
  EXPECT_EQ(live->t, std::vector<double>{1.25});  // its own time, not the sampling time
  ASSERT_EQ(loaded->events.size(), 2u);
  EXPECT_EQ(loaded->events[0].t, 0.0);
  EXPECT_EQ(loaded->events[1].event, "ready");
  EXPECT_DOUBLE_EQ(loaded->events[1].t, 1.5);
  EXPECT_DOUBLE_EQ(loaded->interval_s(), 0.5);
  // The in-memory copy agrees with the files.
  RunData snap = dir.snapshot();
  EXPECT_EQ(snap.sample_lines, loaded->sample_lines);
  EXPECT_EQ(snap.find("rss_bytes")->v, rss->v);
}

TEST(RunDirTest, WithoutKeepSamplesWritesEverythingButHoldsNoSamplesInMemory) {
  TempDir tmp;
  ManualClock clock;
  auto rd = RunDir::create(tmp / "out", false, clock, /*keep_samples=*/false);
  ASSERT_TRUE(rd.ok()) << rd.message();
  auto& dir = **rd;
  ASSERT_TRUE(dir.write_run_json({{"schema", "soak.run/v1"}, {"interval_s", 1}}).ok());
  dir.set_launch_time(clock.now_);
  for (int i = 1; i <= 100; ++i) dir.append_samples(i, {{"rss_bytes", 1000.0 + i, {}}});
  auto loaded = load_run_dir(dir.path());
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  const SeriesData* rss = loaded->find("rss_bytes");
  ASSERT_NE(rss, nullptr);
  ASSERT_EQ(rss->v.size(), 100u);
  EXPECT_EQ(rss->v.back(), 1100.0);
  EXPECT_EQ(dir.sample_lines(), 100u);
  EXPECT_TRUE(dir.snapshot().series.empty());  // memory stays flat over a long run
  EXPECT_EQ(testing::read_file(dir.path() / "samples.jsonl").find("\"rss_bytes\":1100.0"),
            testing::read_file(dir.path() / "samples.jsonl").rfind("\"rss_bytes\""));
}

TEST(RunDirTest, RefusesANonEmptyDirectoryUnlessForced) {
  TempDir tmp;
  ManualClock clock;
  std::filesystem::create_directories(tmp / "out");
  testing::write_file(tmp / "out" / "samples.jsonl", "{\"t\":1,\"rss_bytes\":5}\n");
  testing::write_file(tmp / "out" / "notes.txt", "mine");
  auto refused = RunDir::create(tmp / "out", false, clock);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("not empty"), std::string::npos);
  EXPECT_NE(refused.message().find((tmp / "out").string()), std::string::npos);
  EXPECT_NE(refused.message().find("--force"), std::string::npos);
  EXPECT_EQ(testing::read_file(tmp / "out" / "samples.jsonl"), "{\"t\":1,\"rss_bytes\":5}\n");

  auto forced = RunDir::create(tmp / "out", true, clock);
  ASSERT_TRUE(forced.ok()) << forced.message();
  EXPECT_EQ(testing::read_file(tmp / "out" / "samples.jsonl"), "");
  EXPECT_EQ(testing::read_file(tmp / "out" / "notes.txt"), "mine");
}

TEST(RunDirTest, ItsFilesAreNotInheritedByChildren) {
  TempDir tmp;
  ManualClock clock;
  auto rd = RunDir::create(tmp / "out", false, clock);
  ASSERT_TRUE(rd.ok()) << rd.message();
  ASSERT_TRUE((*rd)->write_run_json({{"schema", "soak.run/v1"}}).ok());
  (*rd)->emit("ready");
  // What a child holds open, as /proc shows it (readlink of every fd).
  auto r = testing::run_command({"/bin/sh", "-c", "for f in /proc/self/fd/*; do readlink $f; done; true"}, 30);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("/"), std::string::npos) << "no fd seen at all: " << r.out;
  EXPECT_EQ(r.out.find((tmp / "out").string()), std::string::npos) << r.out;
}

TEST(RunDirTest, AFileInTheWayIsAnErrorNamingIt) {
  TempDir tmp;
  ManualClock clock;
  testing::write_file(tmp / "file", "x");
  auto r = RunDir::create(tmp / "file", true, clock);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("not a directory"), std::string::npos);
}

}  // namespace
}  // namespace soak
