#include "harness/progress.h"

#include <cstdio>

#include <gtest/gtest.h>

namespace soak {
namespace {

std::string captured(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  char buf[256];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  return s;
}

TEST(ProgressTest, LineShowsElapsedTotalEtaAndFigures) {
  ProgressState s{90, 3600, 5.5 * 1024 * 1024, 7, 12};
  std::string l = Progress::line(s);
  EXPECT_NE(l.find("0:01:30 / 1:00:00"), std::string::npos) << l;
  EXPECT_NE(l.find("ETA 0:58:30"), std::string::npos) << l;
  EXPECT_NE(l.find("rss 5.50 MiB"), std::string::npos) << l;
  EXPECT_NE(l.find("threads 7"), std::string::npos) << l;
  EXPECT_NE(l.find("fds 12"), std::string::npos) << l;
}

TEST(ProgressTest, PlainStylePrintsOneLinePerPeriod) {
  std::FILE* f = std::tmpfile();
  Progress p(Style::kBasic, f, false, 60);
  for (double t = 0; t <= 185; t += 0.1) p.update({t, 600, {}, {}, {}});
  std::string out = captured(f);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;  // 60, 120, 180
  EXPECT_EQ(out.find('\r'), std::string::npos);
  std::fclose(f);
}

TEST(ProgressTest, AutoIsLiveOnATerminalAndPlainOtherwise) {
  std::FILE* f = std::tmpfile();
  Progress live(Style::kAuto, f, true);
  live.update({1, 10, {}, {}, {}});
  live.finish();
  std::string out = captured(f);
  EXPECT_NE(out.find('\r'), std::string::npos);
  std::fclose(f);

  std::FILE* g = std::tmpfile();
  Progress none(Style::kNone, g, true);
  for (double t = 0; t < 200; t += 1) none.update({t, 200, {}, {}, {}});
  EXPECT_EQ(captured(g), "");
  std::fclose(g);
}

}  // namespace
}  // namespace soak
