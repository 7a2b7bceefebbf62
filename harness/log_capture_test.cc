#include "harness/log_capture.h"

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

}  // namespace
}  // namespace soak
