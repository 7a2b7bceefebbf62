#include "probes/registry.h"

#include <algorithm>
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace soak {
namespace {

using ::testing::Contains;
using ::testing::Not;

struct Built {
  std::vector<std::string> names;
  // series -> the probe producing it
  std::map<std::string, std::string> producer;
};

Built build(const ProbeOptions& o) {
  auto probes = make_probes(o);
  EXPECT_TRUE(probes) << probes.message();
  Built b;
  if (!probes) return b;
  for (const auto& p : *probes) {
    b.names.emplace_back(p->name());
    for (const auto& s : p->series()) b.producer.emplace(s, std::string(p->name()));
  }
  return b;
}

TEST(Registry, ALaunchedSutHasProcessProbesAndTheScrapeLeavesTheirSeriesAlone) {
  ProbeOptions o;
  o.metrics_url = "http://127.0.0.1:9100/metrics";
  auto b = build(o);
  ASSERT_FALSE(b.names.empty());
  EXPECT_EQ(b.names.front(), "proc");
  EXPECT_THAT(b.names, Contains("pss"));
  for (auto s : {"rss_bytes", "fds", "threads"}) EXPECT_EQ(b.producer.at(s), "proc") << s;
  EXPECT_EQ(b.producer.at("goroutines"), "metrics");  // no --go: mapped from go_goroutines
}

TEST(Registry, AServiceSoakDidNotLaunchIsSeenOnlyThroughItsEndpoints) {
  ProbeOptions o;
  o.local_sut = false;
  o.metrics_url = "http://10.0.0.7:9100/metrics";
  auto b = build(o);
  EXPECT_THAT(b.names, Not(Contains("proc")));
  EXPECT_THAT(b.names, Not(Contains("pss")));
  // client_golang's defaults stand in for the process probe.
  for (auto s : {"rss_bytes", "fds", "threads", "goroutines", "go_heap_alloc_bytes"})
    EXPECT_EQ(b.producer.at(s), "metrics") << s;
  EXPECT_EQ(b.producer.count("sockets"), 0u);

  o.go_url = "http://10.0.0.7:6060";
  b = build(o);
  EXPECT_EQ(b.producer.at("goroutines"), "go");  // the direct probe wins
  EXPECT_EQ(b.producer.at("rss_bytes"), "metrics");
}

TEST(Registry, MalformedUrlsNameTheirFlag) {
  ProbeOptions o;
  o.go_url = "localhost:6060";
  auto p = make_probes(o);
  ASSERT_FALSE(p);
  EXPECT_THAT(p.message(), ::testing::HasSubstr("--go"));
  o.go_url.reset();
  o.metrics_url = "http://[::1/metrics";
  p = make_probes(o);
  ASSERT_FALSE(p);
  EXPECT_THAT(p.message(), ::testing::HasSubstr("--metrics \"http://[::1/metrics\": not a valid URL"));
  o.metrics_url = "https://[::1]:9090/metrics";  // https and IPv6 are fine
  EXPECT_TRUE(make_probes(o)) << make_probes(o).message();
}

}  // namespace
}  // namespace soak
