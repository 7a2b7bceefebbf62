#include "common/run_data.h"

#include <gtest/gtest.h>

#include "tests/testing/testing.h"

namespace soak {
namespace {

using soak::testing::TempDir;
using soak::testing::write_file;

TEST(RunData, LoadsSeriesInFirstSeenOrderWithSparseLines) {
  TempDir d;
  write_file(d / "run.json", R"({"schema": "soak.run/v1", "interval_s": 0.5})");
  write_file(d / "samples.jsonl",
             "{\"t\": 0.5, \"rss_bytes\": 100, \"threads\": 3}\n"
             "{\"t\": 1.0, \"rss_bytes\": 110}\n"
             "{\"t\": 1.5, \"rss_bytes\": 120, \"threads\": 4, \"pss_bytes\": 90}\n");
  write_file(d / "events.jsonl", "{\"t\": 0.4, \"event\": \"ready\"}\n");
  auto r = load_run_dir(d.path());
  ASSERT_TRUE(r.ok()) << r.message();
  ASSERT_EQ(r->series.size(), 3u);
  EXPECT_EQ(r->series[0].name, "rss_bytes");
  EXPECT_EQ(r->series[0].v, (std::vector<double>{100, 110, 120}));
  EXPECT_EQ(r->find("threads")->t, (std::vector<double>{0.5, 1.5}));
  EXPECT_EQ(r->find("pss_bytes")->v.size(), 1u);
  EXPECT_EQ(r->sample_lines, 3u);
  EXPECT_DOUBLE_EQ(r->interval_s(), 0.5);
  ASSERT_NE(r->find_event("ready"), nullptr);
  EXPECT_DOUBLE_EQ(r->find_event("ready")->t, 0.4);
}

TEST(RunData, TruncatedLastLineOfAKilledRunIsSkippedWithAWarning) {
  TempDir d;
  write_file(d / "run.json", "{}");
  write_file(d / "samples.jsonl", "{\"t\": 1, \"fds\": 5}\n{\"t\": 2, \"fd");
  auto r = load_run_dir(d.path());
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->find("fds")->v.size(), 1u);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("line 2 is truncated"), std::string::npos);
  EXPECT_DOUBLE_EQ(r->interval_s(), 1.0);  // no interval_s, too few points: default
}

// Found by fuzz/run_data_fuzz (scripts/fuzz.sh): an event whose "t" is a
// string threw out of parse_events and ended soak check in std::terminate.
TEST(RunData, AnEventWhoseTimeIsNotANumberIsNamedAndSkipped) {
  RunData d;
  auto st = parse_events("{\"t\": \"ready\", \"event\": \"warmup_end\"}\n{\"t\": 1, \"event\": \"ready\"}\n",
                         "events.jsonl", d);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].event, "ready");
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_EQ(d.warnings[0], "events.jsonl: line 1: \"t\" is not a number; skipped");
}

TEST(RunData, AMalformedMiddleLineIsNamedAndSkippedAndTheRestLoads) {
  TempDir d;
  write_file(d / "run.json", "{}");
  write_file(d / "samples.jsonl", "{\"t\": 1, \"fds\": 5}\n{\"t\": 2, \"fd\n{\"t\": 3, \"fds\": 6}\n");
  write_file(d / "events.jsonl", "{\"t\": 0, \"event\": \"launched\"}\n{\"t\": 0.5, \"ev\n{\"t\": 1, \"event\": \"ready\"}\n");
  auto r = load_run_dir(d.path());
  ASSERT_TRUE(r.ok()) << r.message();
  ASSERT_NE(r->find("fds"), nullptr);
  EXPECT_EQ(r->find("fds")->v, (std::vector<double>{5, 6}));
  EXPECT_EQ(r->events.size(), 2u);
  ASSERT_EQ(r->warnings.size(), 2u);
  EXPECT_EQ(r->warnings[0].rfind("samples.jsonl: line 2: not a JSON object", 0), 0u) << r->warnings[0];
  EXPECT_EQ(r->warnings[1].rfind("events.jsonl: line 2: not an event object", 0), 0u) << r->warnings[1];
  write_file(d / "samples.jsonl", "{\"fds\": 5}\n");
  EXPECT_EQ(load_run_dir(d.path()).message(), "samples.jsonl: line 1: missing number \"t\"");
}

TEST(RunData, MissingFilesAreNamed) {
  TempDir d;
  EXPECT_NE(load_run_dir(d.path()).message().find("missing run.json"), std::string::npos);
  write_file(d / "run.json", "{}");
  EXPECT_NE(load_run_dir(d.path()).message().find("missing samples.jsonl"), std::string::npos);
  EXPECT_NE(load_run_dir(d / "nope").message().find("not a directory"), std::string::npos);
}

TEST(RunData, IntervalFallsBackToMedianSpacing) {
  RunData d;
  ASSERT_TRUE(parse_samples("{\"t\":0,\"x\":1}\n{\"t\":2,\"x\":1}\n{\"t\":4,\"x\":1}\n{\"t\":9,\"x\":1}\n",
                            "s", d).ok());
  EXPECT_DOUBLE_EQ(d.interval_s(), 2.0);
}

}  // namespace
}  // namespace soak
