#include "common/units.h"

#include <gtest/gtest.h>

namespace soak {
namespace {

TEST(ParseDuration, AcceptsEveryUnitAndCombinations) {
  EXPECT_DOUBLE_EQ(to_seconds(*parse_duration("90s")), 90);
  EXPECT_DOUBLE_EQ(to_seconds(*parse_duration("45m")), 2700);
  EXPECT_DOUBLE_EQ(to_seconds(*parse_duration("2h")), 7200);
  EXPECT_DOUBLE_EQ(to_seconds(*parse_duration("1h30m")), 5400);
  EXPECT_DOUBLE_EQ(to_seconds(*parse_duration("250ms")), 0.25);
  EXPECT_DOUBLE_EQ(to_seconds(*parse_duration("1d")), 86400);
  EXPECT_DOUBLE_EQ(to_seconds(*parse_duration("1.5h")), 5400);
}

TEST(ParseDuration, RejectsWithTheReason) {
  auto r = parse_duration("2hr");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.message(), "unknown time unit \"hr\" (expected ms, s, m, h or d)");
  EXPECT_NE(parse_duration("90").message().find("missing time unit"), std::string::npos);
  EXPECT_FALSE(parse_duration("").ok());
  EXPECT_FALSE(parse_duration("h").ok());
  EXPECT_FALSE(parse_duration("-5s").ok());
}

TEST(ParseSize, DecimalAndBinaryUnits) {
  EXPECT_DOUBLE_EQ(*parse_size("512"), 512);
  EXPECT_DOUBLE_EQ(*parse_size("2KB"), 2000);
  EXPECT_DOUBLE_EQ(*parse_size("1MB"), 1e6);
  EXPECT_DOUBLE_EQ(*parse_size("1GB"), 1e9);
  EXPECT_DOUBLE_EQ(*parse_size("2KiB"), 2048);
  EXPECT_DOUBLE_EQ(*parse_size("512MiB"), 536870912);
  EXPECT_DOUBLE_EQ(*parse_size("1GiB"), 1073741824);
  EXPECT_EQ(parse_size("3mb").message(),
            "unknown size unit \"mb\" (expected B, KB, MB, GB, KiB, MiB or GiB)");
}

TEST(Format, DurationsAndBytes) {
  EXPECT_EQ(format_duration(std::chrono::seconds(5400)), "1h30m");
  EXPECT_EQ(format_duration(std::chrono::seconds(90)), "1m30s");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(250)), "250ms");
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(3.4 * 1024 * 1024), "3.40 MiB");
  EXPECT_EQ(format_bytes(-2 * 1024.0 * 1024), "-2.00 MiB");
  EXPECT_EQ(format_bytes(150 * 1024.0), "150 KiB");
  EXPECT_EQ(format_value(7, "count"), "7");
  EXPECT_EQ(format_value(2.5, "ms"), "2.5 ms");
}

}  // namespace
}  // namespace soak
