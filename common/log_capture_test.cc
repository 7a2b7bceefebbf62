#include "common/log_capture.h"

#include <unistd.h>

#include <mutex>

#include <gtest/gtest.h>

#include "tests/testing/testing.h"

namespace soak {
namespace {

struct Pipe {
  Fd r, w;
  Pipe() {
    int p[2];
    EXPECT_EQ(::pipe(p), 0);
    r.reset(p[0]);
    w.reset(p[1]);
  }
  void write(const std::string& s) { ASSERT_EQ(::write(w.get(), s.data(), s.size()), (ssize_t)s.size()); }
};

TEST(LogCaptureTest, LinesReachObserversAndTheFileWithTheirStream) {
  testing::TempDir tmp;
  LogCapture cap(tmp / "sut.log", 1e6, 3);
  std::mutex mu;
  std::vector<std::pair<std::string, bool>> lines;
  cap.add_line_observer([&](std::string_view l, bool err) {
    std::lock_guard lock(mu);
    lines.emplace_back(std::string(l), err);
  });
  Pipe out, err;
  ASSERT_TRUE(cap.start(std::move(out.r), std::move(err.r)).ok());
  out.write("one\ntw");
  out.write("o\r\nthree\n");
  err.write("gc 1 @0.1s\n");
  out.write("no newline at the end");
  out.w.reset();
  err.w.reset();
  cap.stop();
  std::lock_guard lock(mu);
  ASSERT_EQ(lines.size(), 5u);
  std::vector<std::string> out_lines;
  for (auto& [l, e] : lines)
    if (!e) out_lines.push_back(l);
  EXPECT_EQ(out_lines, (std::vector<std::string>{"one", "two", "three", "no newline at the end"}));
  EXPECT_EQ(cap.tail().size(), 3u);
  std::string file = testing::read_file(tmp / "sut.log");
  EXPECT_NE(file.find("one\ntwo\r\nthree\n"), std::string::npos);
  EXPECT_NE(file.find("gc 1 @0.1s\n"), std::string::npos);
}

TEST(LogCaptureTest, TheCapStopsTheFileButNotTheReading) {
  testing::TempDir tmp;
  LogCapture cap(tmp / "sut.log", 1000);
  int capped = 0;
  size_t seen = 0;
  cap.on_capped([&](double limit) {
    ++capped;
    EXPECT_EQ(limit, 1000);
  });
  cap.add_line_observer([&](std::string_view, bool) { ++seen; });
  Pipe out, err;
  ASSERT_TRUE(cap.start(std::move(out.r), std::move(err.r)).ok());
  // Far more than a pipe buffer: the writer would block if we stopped reading.
  std::string line(99, 'x');
  line += '\n';
  for (int i = 0; i < 5000; ++i) out.write(line);
  out.w.reset();
  err.w.reset();
  cap.stop(std::chrono::seconds(5));
  EXPECT_EQ(capped, 1);
  EXPECT_TRUE(cap.capped());
  EXPECT_EQ(seen, 5000u);
  EXPECT_EQ(testing::read_file(tmp / "sut.log").size(), 1000u);
}

TEST(LogCaptureTest, StopReturnsWhileAWriterStillHoldsThePipe) {
  testing::TempDir tmp;
  LogCapture cap(tmp / "sut.log", 1e6);
  Pipe out, err;
  ASSERT_TRUE(cap.start(std::move(out.r), std::move(err.r)).ok());
  out.write("partial");
  cap.stop(std::chrono::milliseconds(50));  // no EOF ever comes: must not hang
  EXPECT_EQ(cap.tail(), std::vector<std::string>{"partial"});
}

// After the cap, sut.log keeps the beginning; sut.tail.log the true end,
// whole lines only, within its size, kept current while the output goes on.
TEST(LogCaptureTest, TheTailFileKeepsTheLastLinesAfterTheCap) {
  testing::TempDir tmp;
  LogCapture cap(tmp / "sut.log", 1000);
  cap.keep_tail_file(tmp / "sut.tail.log", 4096, std::chrono::milliseconds(10));
  Pipe out, err;
  ASSERT_TRUE(cap.start(std::move(out.r), std::move(err.r)).ok());
  for (int i = 0; i < 2000; ++i) out.write("line " + std::to_string(i) + " of the chatty part\n");
  out.write("early crash report\n");
  // Current while the SUT still runs (a harness killed now leaves it behind).
  EXPECT_TRUE(testing::wait_for_text(tmp / "sut.tail.log", "early crash report\n", 30));
  err.write("panic: the final words\n");
  out.w.reset();
  err.w.reset();
  cap.stop(std::chrono::seconds(5));
  EXPECT_EQ(testing::read_file(tmp / "sut.log").size(), 1000u);
  EXPECT_EQ(testing::read_file(tmp / "sut.log").find("final words"), std::string::npos);
  std::string tail = testing::read_file(tmp / "sut.tail.log");
  EXPECT_LE(tail.size(), 4096u);
  EXPECT_GT(tail.size(), 4096u - 40);  // all but the cut first line
  EXPECT_EQ(tail.rfind("line ", 0), 0u) << tail.substr(0, 40);  // starts at a line
  EXPECT_TRUE(tail.ends_with("line 1999 of the chatty part\nearly crash report\npanic: the final words\n")) << tail;
  EXPECT_FALSE(cap.write_error());
  EXPECT_FALSE(std::filesystem::exists(tmp / "sut.tail.log.tmp"));
}

TEST(LogCaptureTest, TheTailFileIsWrittenForQuietAndShortOutput) {
  testing::TempDir tmp;
  {
    LogCapture cap(tmp / "a.log", 1e6);
    cap.keep_tail_file(tmp / "a.tail.log");
    Pipe out, err;
    ASSERT_TRUE(cap.start(std::move(out.r), std::move(err.r)).ok());
    out.w.reset();
    err.w.reset();
    cap.stop(std::chrono::seconds(5));
    EXPECT_TRUE(std::filesystem::exists(tmp / "a.tail.log"));
    EXPECT_EQ(testing::read_file(tmp / "a.tail.log"), "");
  }
  LogCapture cap(tmp / "b.log", 1e6);
  cap.keep_tail_file(tmp / "b.tail.log", 1 << 20, std::chrono::hours(1));  // only the final write
  Pipe out, err;
  ASSERT_TRUE(cap.start(std::move(out.r), std::move(err.r)).ok());
  out.write("one\ntwo\n");
  out.w.reset();
  err.w.reset();
  cap.stop(std::chrono::seconds(5));
  EXPECT_EQ(testing::read_file(tmp / "b.tail.log"), "one\ntwo\n");
  EXPECT_EQ(testing::read_file(tmp / "b.log"), "one\ntwo\n");
}

TEST(LogCaptureTest, AFailedTailFileWriteIsReportedNamingTheFile) {
  testing::TempDir tmp;
  LogCapture cap(tmp / "sut.log", 1e6);
  cap.keep_tail_file(tmp / "missing-dir" / "sut.tail.log");
  Pipe out, err;
  ASSERT_TRUE(cap.start(std::move(out.r), std::move(err.r)).ok());
  out.write("x\n");
  out.w.reset();
  err.w.reset();
  cap.stop(std::chrono::seconds(5));
  ASSERT_TRUE(cap.write_error());
  EXPECT_EQ(cap.write_error()->rfind((tmp / "missing-dir" / "sut.tail.log").string() + ": write failed: ", 0), 0u)
      << *cap.write_error();
  EXPECT_EQ(testing::read_file(tmp / "sut.log"), "x\n");  // the log itself goes on
}

TEST(LogCaptureTest, OneStreamWithoutAnErrorPipe) {
  testing::TempDir tmp;
  LogCapture cap(tmp / "workload.log", 1e6);
  Pipe out;
  ASSERT_TRUE(cap.start(std::move(out.r), Fd()).ok());
  out.write("both streams of a workload\n");
  out.w.reset();
  cap.stop(std::chrono::seconds(5));  // ends at EOF, not at the drain timeout
  EXPECT_EQ(testing::read_file(tmp / "workload.log"), "both streams of a workload\n");
}

}  // namespace
}  // namespace soak
