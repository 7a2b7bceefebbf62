#include "probes/expvar.h"

#include <gtest/gtest.h>

#include "tests/testing/testing.h"

namespace soak {
namespace {

TEST(Expvar, ParsesMemStatsOfTheExample) {
  auto d = parse_expvar(testing::read_file(testing::source_dir() / "probes/testdata/go/cache-vars.json"));
  ASSERT_TRUE(d) << d.message();
  EXPECT_GT(d->memstats.at("HeapAlloc"), 1e6);  // 200+ cached 16 KiB values
  EXPECT_GE(d->memstats.at("NumGC"), 1);
  EXPECT_GT(d->memstats.at("GCCPUFraction"), 0);
  EXPECT_EQ(d->memstats.count("PauseNs"), 0u);  // arrays are not scalars
  EXPECT_EQ(d->vars.at("requests"), 220);       // the example's own expvar
}

TEST(Expvar, ErrorsNameTheEndpointAndReason) {
  auto a = parse_expvar("404 page not found");
  ASSERT_FALSE(a);
  EXPECT_NE(a.message().find("/debug/vars: not a JSON object"), std::string::npos);
  auto b = parse_expvar("{\"cmdline\": [\"x\"]}");
  ASSERT_FALSE(b);
  EXPECT_NE(b.message().find("memstats"), std::string::npos);
  EXPECT_FALSE(parse_expvar("{\"memstats\": {\"HeapAlloc\": 12"));  // truncated
  EXPECT_FALSE(parse_expvar(""));
}

}  // namespace
}  // namespace soak
