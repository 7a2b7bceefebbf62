#include "common/budget.h"

#include <gtest/gtest.h>

namespace soak {
namespace {

TEST(ParseBudget, SlopePerTime) {
  auto b = parse_budget("rss=2MiB/h");
  ASSERT_TRUE(b.ok()) << b.message();
  EXPECT_EQ(b->target, "rss");
  EXPECT_EQ(b->kind, BudgetKind::kSlope);
  EXPECT_DOUBLE_EQ(b->limit, 2.0 * 1024 * 1024);
  EXPECT_EQ(b->per, BudgetPer::kHour);
  EXPECT_DOUBLE_EQ(b->limit_per_hour(), 2.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parse_budget("fds=1/m")->limit_per_hour(), 60);
  EXPECT_DOUBLE_EQ(parse_budget("threads=24/d")->limit_per_hour(), 1);
  EXPECT_DOUBLE_EQ(parse_budget("rss=1KB/s")->limit_per_hour(), 3.6e6);
}

TEST(ParseBudget, PerRequestZeroAndLevel) {
  auto r = parse_budget("heap=512B/req");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->per_request());
  EXPECT_DOUBLE_EQ(r->limit, 512);
  auto z = parse_budget("goroutines=0/h");
  ASSERT_TRUE(z.ok());
  EXPECT_DOUBLE_EQ(z->limit, 0);
  auto l = parse_budget("rss<=512MiB");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->kind, BudgetKind::kLevel);
  EXPECT_DOUBLE_EQ(l->limit, 512.0 * 1024 * 1024);
  EXPECT_EQ(parse_budget("latency_p99<=250")->limit, 250);
}

TEST(ParseBudget, PromSeriesWithLabelsKeepsItsEquals) {
  auto b = parse_budget("prom:http_conns{state=\"open\",pool=\"a=b\"}=0/h");
  ASSERT_TRUE(b.ok()) << b.message();
  EXPECT_EQ(b->target, "prom:http_conns{state=\"open\",pool=\"a=b\"}");
  EXPECT_DOUBLE_EQ(b->limit, 0);
}

TEST(ParseBudget, ErrorsNameTheReason) {
  EXPECT_EQ(parse_budget("rss=1MB/hr").message(),
            "unknown time unit \"hr\" (expected s, m, h, d or req)");
  EXPECT_NE(parse_budget("rss").message().find("expected SERIES=RATE/UNIT"), std::string::npos);
  EXPECT_NE(parse_budget("rss=2MiB").message().find("missing \"/UNIT\""), std::string::npos);
  EXPECT_NE(parse_budget("bogus=1/h").message().find("unknown series \"bogus\""), std::string::npos);
  EXPECT_NE(parse_budget("rss=2mib/h").message().find("unknown size unit \"mib\""), std::string::npos);
  EXPECT_NE(parse_budget("rss=abc/h").message().find("expected a number"), std::string::npos);
  EXPECT_NE(parse_budget("rss=-1/h").message().find("negative"), std::string::npos);
  EXPECT_FALSE(parse_budget("=1/h").ok());
}

TEST(ParseBudget, Endurance) {
  auto b = parse_budget("rss>=7d");
  ASSERT_TRUE(b.ok()) << b.message();
  EXPECT_EQ(b->kind, BudgetKind::kEndurance);
  EXPECT_EQ(b->target, "rss");
  EXPECT_DOUBLE_EQ(b->limit, 7 * 86400.0);
  EXPECT_DOUBLE_EQ(parse_budget("fds>=1h30m")->limit, 5400.0);
  EXPECT_NE(parse_budget("rss>=7x").message().find("endurance budget takes a duration"), std::string::npos);
  EXPECT_NE(parse_budget("rss>=0s").message().find("above 0"), std::string::npos);
  EXPECT_NE(parse_budget("rss>").message().find("SERIES>=DURATION"), std::string::npos);
}

}  // namespace
}  // namespace soak
