#include "harness/config.h"

#include <functional>
#include <regex>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/testing.h"

namespace soak {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

std::string error_of(const json& j) {
  RunConfig c;
  auto st = apply_config_json(j, c);
  EXPECT_FALSE(st.ok()) << j.dump();
  return st.ok() ? std::string() : st.message();
}

RunConfig parsed(const json& j) {
  RunConfig c;
  auto st = apply_config_json(j, c);
  EXPECT_TRUE(st.ok()) << st.message();
  return c;
}

const char* kDesignExample = R"({
  "sut": {
    "command": ["./server", "--port", "8080"],
    "cwd": ".",
    "env": {"GOMAXPROCS": "2"},
    "ready": "http://127.0.0.1:8080/healthz",
    "ready_timeout": "60s"
  },
  "duration": "2h",
  "warmup": "auto",
  "interval": "1s",
  "workloads": [
    {"http": {"url": "http://127.0.0.1:8080/api", "rate": 200, "connections": 16}},
    {"cmd": "wrk -t2 -c16 -d{duration_s}s http://127.0.0.1:8080/api"}
  ],
  "probes": {"go": "http://127.0.0.1:8080", "gctrace": true, "metrics": "http://127.0.0.1:8080/metrics"},
  "budgets": {"rss": "2MiB/h", "heap": "1MiB/h", "goroutines": "0/h", "fds": "0/h", "threads": "0/h"}
})";

TEST(ConfigTest, DesignExampleParsesEveryField) {
  RunConfig c = parsed(json::parse(kDesignExample));
  EXPECT_EQ(c.command, (std::vector<std::string>{"./server", "--port", "8080"}));
  EXPECT_EQ(c.cwd, ".");
  EXPECT_EQ(c.env.at("GOMAXPROCS"), "2");
  ASSERT_TRUE(c.ready);
  EXPECT_EQ(c.ready->kind, ReadySpec::Kind::kHttp);
  EXPECT_EQ(c.ready->url, "http://127.0.0.1:8080/healthz");
  EXPECT_EQ(c.ready_timeout, std::chrono::seconds(60));
  EXPECT_EQ(c.duration, std::chrono::hours(2));
  EXPECT_FALSE(c.warmup);
  EXPECT_EQ(c.interval, std::chrono::seconds(1));
  ASSERT_EQ(c.workloads.size(), 2u);
  EXPECT_EQ(c.workloads[0].kind, WorkloadSpec::Kind::kHttp);
  EXPECT_EQ(c.workloads[0].http.at("rate"), 200);
  EXPECT_EQ(c.workloads[0].origin, "workloads[0].http");
  EXPECT_EQ(c.workloads[1].kind, WorkloadSpec::Kind::kCmd);
  EXPECT_EQ(c.workloads[1].cmd, "wrk -t2 -c16 -d{duration_s}s http://127.0.0.1:8080/api");
  EXPECT_EQ(c.go_url, "http://127.0.0.1:8080");
  EXPECT_TRUE(c.gctrace);
  EXPECT_EQ(c.metrics_url, "http://127.0.0.1:8080/metrics");
  ASSERT_EQ(c.budgets.size(), 5u);
  std::set<std::string> specs;
  for (const auto& b : c.budgets) specs.insert(b.spec);
  EXPECT_TRUE(specs.count("rss=2MiB/h"));
  EXPECT_TRUE(specs.count("goroutines=0/h"));
}

TEST(ConfigTest, RemainingKeys) {
  RunConfig c = parsed(json{{"sut", {{"log_limit", "1MiB"}, {"command", "echo hi"}}},
                            {"warmup", "5m"},
                            {"probes", {{"pss_interval", "45s"}}},
                            {"confidence", 0.95},
                            {"strict", true},
                            {"fail_fast", true},
                            {"out", "elsewhere"},
                            {"style", "basic"}});
  EXPECT_EQ(c.sut_log_limit_bytes, 1024.0 * 1024);
  EXPECT_EQ(c.command, (std::vector<std::string>{"/bin/sh", "-c", "echo hi"}));
  EXPECT_EQ(c.warmup, std::chrono::minutes(5));
  EXPECT_EQ(c.pss_interval, std::chrono::seconds(45));
  EXPECT_DOUBLE_EQ(c.confidence, 0.95);
  EXPECT_TRUE(c.strict);
  EXPECT_TRUE(c.fail_fast);
  EXPECT_EQ(c.out, "elsewhere");
  EXPECT_EQ(c.style, Style::kBasic);
  EXPECT_EQ(parsed(json{{"sut", {{"log_limit", 4096}}}}).sut_log_limit_bytes, 4096);
}

TEST(ConfigTest, UnknownKeysNameTheirPath) {
  EXPECT_THAT(error_of(json{{"probes", {{"gc_trace", true}}}}), HasSubstr("probes.gc_trace: unknown key"));
  EXPECT_THAT(error_of(json{{"durration", "2h"}}), HasSubstr("durration: unknown key"));
  EXPECT_THAT(error_of(json{{"sut", {{"comand", json::array({"x"})}}}}), HasSubstr("sut.comand: unknown key"));
  EXPECT_THAT(error_of(json{{"workloads", json::array({json{{"grpc", "x"}}})}}),
              HasSubstr("workloads[0].grpc: unknown key"));
}

TEST(ConfigTest, WrongTypesNameExpectedAndGiven) {
  EXPECT_THAT(error_of(json{{"duration", 7200}}), HasSubstr("duration: expected a string like \"2h\", got 7200"));
  EXPECT_THAT(error_of(json{{"strict", "yes"}}), HasSubstr("strict: expected true or false, got \"yes\""));
  EXPECT_THAT(error_of(json{{"sut", {{"command", 5}}}}), HasSubstr("sut.command: expected an array of strings"));
  EXPECT_THAT(error_of(json{{"sut", {{"command", json::array({"a", 1})}}}}),
              HasSubstr("sut.command[1]: expected a string, got 1"));
  EXPECT_THAT(error_of(json{{"sut", {{"env", {{"A", 1}}}}}}), HasSubstr("sut.env.A: expected a string, got 1"));
  EXPECT_THAT(error_of(json{{"confidence", "high"}}), HasSubstr("confidence: expected a number"));
  EXPECT_THAT(error_of(json{{"confidence", 1.5}}), HasSubstr("between 0.5 and 1"));
  EXPECT_THAT(error_of(json{{"workloads", "http://x"}}), HasSubstr("workloads: expected an array"));
  EXPECT_THAT(error_of(json{{"probes", {{"go", "localhost:8080"}}}}),
              HasSubstr("probes.go: \"localhost:8080\": not an http:// or https:// URL"));
  EXPECT_THAT(error_of(json::array()), HasSubstr("expected a JSON object"));
  EXPECT_THAT(error_of(json{{"probes", {{"metrics_max_series", 0}}}}),
              HasSubstr("probes.metrics_max_series: expected a whole number of series >= 1, like 500, got 0"));
  EXPECT_THAT(error_of(json{{"probes", {{"metrics_max_series", "500"}}}}),
              HasSubstr("probes.metrics_max_series: expected a whole number of series >= 1, like 500, got \"500\""));
  EXPECT_EQ(parsed(json{{"probes", {{"metrics_max_series", 2000}}}}).metrics_max_series, 2000u);
}

TEST(ConfigTest, DurationAndSizeErrorsNameTextAndReason) {
  EXPECT_THAT(error_of(json{{"duration", "2hr"}}), HasSubstr("duration: \"2hr\": unknown time unit \"hr\""));
  EXPECT_THAT(error_of(json{{"interval", "10"}}), HasSubstr("interval: \"10\": missing time unit"));
  EXPECT_THAT(error_of(json{{"warmup", "never"}}), HasSubstr("warmup: \"never\""));
  EXPECT_THAT(error_of(json{{"sut", {{"log_limit", "12XB"}}}}), HasSubstr("sut.log_limit: \"12XB\": unknown size unit"));
  EXPECT_THAT(error_of(json{{"sut", {{"log_limit", 0}}}}), HasSubstr("sut.log_limit: 0: expected a size above 0"));
  EXPECT_THAT(error_of(json{{"sut", {{"ready", "tcp:127.0.0.1:70000"}}}}),
              HasSubstr("sut.ready: \"tcp:127.0.0.1:70000\": port \"70000\" is not a number from 1 to 65535"));
  EXPECT_THAT(error_of(json{{"style", "fancy"}}), HasSubstr("style: \"fancy\": expected auto, basic or none"));
}

TEST(ConfigTest, BudgetForms) {
  RunConfig obj = parsed(json{{"budgets", {{"rss", json::array({"2MiB/h", "<=512MiB"})}, {"heap", "512B/req"}}}});
  ASSERT_EQ(obj.budgets.size(), 3u);
  EXPECT_EQ(obj.budgets[0].spec, "heap=512B/req");
  EXPECT_TRUE(obj.budgets[0].per_request());
  EXPECT_EQ(obj.budgets[1].spec, "rss=2MiB/h");
  EXPECT_EQ(obj.budgets[2].spec, "rss<=512MiB");
  EXPECT_EQ(obj.budgets[2].kind, BudgetKind::kLevel);
  EXPECT_DOUBLE_EQ(obj.budgets[2].limit, 512.0 * 1024 * 1024);

  RunConfig arr = parsed(json{{"budgets", json::array({"rss=1MB/h", "threads=0/h"})}});
  ASSERT_EQ(arr.budgets.size(), 2u);
  EXPECT_DOUBLE_EQ(arr.budgets[0].limit, 1e6);

  EXPECT_THAT(error_of(json{{"budgets", {{"rss", "1MB/hr"}}}}),
              HasSubstr("budgets.rss: \"rss=1MB/hr\": unknown time unit \"hr\" (expected s, m, h, d or req)"));
  EXPECT_THAT(error_of(json{{"budgets", json::array({"rss=1MB/h", 3})}}),
              HasSubstr("budgets[1]: expected a string like \"rss=2MiB/h\", got 3"));
  EXPECT_THAT(error_of(json{{"budgets", {{"rss", json::array({"1MB/h", "bad"})}}}}), HasSubstr("budgets.rss[1]"));
  EXPECT_THAT(error_of(json{{"budgets", "rss=1MB/h"}}), HasSubstr("budgets: expected an object"));
}

TEST(ConfigTest, ReadySpecs) {
  auto tcp = parse_ready_spec("tcp:localhost:8080");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp->host, "localhost");
  EXPECT_EQ(tcp->port, 8080);
  auto log = parse_ready_spec("log:listening on .*:[0-9]+");
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->kind, ReadySpec::Kind::kLog);
  EXPECT_THAT(parse_ready_spec("log:([").message(), HasSubstr("invalid regular expression \"([\""));
  EXPECT_THAT(parse_ready_spec("tcp:8080").message(), HasSubstr("expected tcp:HOST:PORT"));
  EXPECT_THAT(parse_ready_spec("tcp:h:0").message(), HasSubstr("1 to 65535"));
  EXPECT_THAT(parse_ready_spec("ftp://x").message(), HasSubstr("expected tcp:HOST:PORT, http[s]://"));
}

TEST(ConfigTest, ResolvedConfigReadsBackToTheSameConfig) {
  RunConfig c = parsed(json::parse(kDesignExample));
  c.warmup = std::chrono::milliseconds(1500);
  json resolved = config_to_json(c);
  RunConfig again = parsed(resolved);
  EXPECT_EQ(config_to_json(again), resolved);
  EXPECT_EQ(again.warmup, std::chrono::milliseconds(1500));
  // Without a command (a service soak does not launch) and with probe intervals.
  c.command.clear();
  c.go_interval = std::chrono::milliseconds(500);
  c.metrics_interval = std::chrono::seconds(2);
  resolved = config_to_json(c);
  EXPECT_FALSE(resolved["sut"].contains("command"));
  again = parsed(resolved);
  EXPECT_EQ(config_to_json(again), resolved);
  EXPECT_TRUE(again.command.empty());
  EXPECT_EQ(again.go_interval, std::chrono::milliseconds(500));
  EXPECT_EQ(again.metrics_interval, std::chrono::seconds(2));
  // go_live_heap: a duration, or "off" (zero).
  for (Duration d : {Duration(std::chrono::seconds(20)), Duration::zero()}) {
    c.go_live_heap = d;
    resolved = config_to_json(c);
    EXPECT_EQ(resolved["probes"]["go_live_heap"], d == Duration::zero() ? json("off") : json("20s"));
    again = parsed(resolved);
    EXPECT_EQ(again.go_live_heap, d);
  }
  EXPECT_THAT(error_of(json{{"probes", {{"go_live_heap", "soon"}}}}), HasSubstr("probes.go_live_heap: \"soon\""));
  EXPECT_THAT(error_of(json{{"probes", {{"go_live_heap", "0s"}}}}), HasSubstr("probes.go_live_heap: \"0s\": must be positive (or \"off\")"));
  EXPECT_THAT(error_of(json{{"probes", {{"go_live_heap", 5}}}}), HasSubstr("probes.go_live_heap"));
}

TEST(ConfigTest, LoadConfigFileNamesTheFile) {
  testing::TempDir dir;
  testing::write_file(dir / "bad.json", "{\"duration\": \"2h\",}");
  RunConfig c;
  auto st = load_config_file(dir / "bad.json", c);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("bad.json: not valid JSON"));
  st = load_config_file(dir / "missing.json", c);
  EXPECT_THAT(st.message(), HasSubstr("missing.json: cannot open the file"));
  testing::write_file(dir / "unknown.json", "{\"probes\": {\"gc_trace\": true}}");
  st = load_config_file(dir / "unknown.json", c);
  EXPECT_THAT(st.message(), HasSubstr("unknown.json: probes.gc_trace: unknown key"));
  testing::write_file(dir / "ok.json", "{\"duration\": \"90s\"}");
  ASSERT_TRUE(load_config_file(dir / "ok.json", c).ok());
  EXPECT_EQ(c.duration, std::chrono::seconds(90));
  EXPECT_EQ(c.config_file, dir / "ok.json");
}

// --- The shipped schema and docs agree with the parser. ---

json load_schema() {
  return json::parse(testing::read_file(testing::source_dir() / "docs" / "soak.schema.json"));
}

// Calls fn(path, property schema) for every property, depth first.
void for_each_property(const json& schema, const std::string& prefix,
                       const std::function<void(const std::string&, const json&)>& fn) {
  if (!schema.contains("properties")) return;
  for (auto it = schema["properties"].begin(); it != schema["properties"].end(); ++it) {
    std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
    fn(path, it.value());
    for_each_property(it.value(), path, fn);
  }
}

json nest(const std::string& path, const json& value) {
  auto dot = path.find('.');
  if (dot == std::string::npos) return json{{path, value}};
  return json{{path.substr(0, dot), nest(path.substr(dot + 1), value)}};
}

TEST(ConfigSchemaTest, EverySchemaKeyIsAcceptedWithItsExample) {
  json schema = load_schema();
  int checked = 0;
  for_each_property(schema, "", [&](const std::string& path, const json& prop) {
    if (prop.contains("properties")) return;  // an object: its leaves are checked
    ASSERT_TRUE(prop.contains("examples")) << path << " has no example in the schema";
    RunConfig c;
    auto st = apply_config_json(nest(path, prop["examples"][0]), c);
    EXPECT_TRUE(st.ok()) << path << ": " << st.message();
    ++checked;
  });
  EXPECT_GE(checked, 18);
}

TEST(ConfigSchemaTest, EveryParserKeyIsInTheSchemaAndNoOther) {
  json schema = load_schema();
  std::set<std::string> schema_keys;
  for_each_property(schema, "", [&](const std::string& path, const json&) { schema_keys.insert(path); });
  // config_to_json writes every key the parser reads (plus "$schema").
  RunConfig c = parsed(json::parse(kDesignExample));
  c.go_interval = std::chrono::seconds(5);  // optional keys, written only when set
  c.go_live_heap = std::chrono::seconds(30);
  c.metrics_interval = std::chrono::seconds(2);
  c.history = HistorySettings{"h.jsonl", "b1", false, {}};
  c.memory_limit_bytes = 256.0 * 1024 * 1024;
  c.nofile = 1024;
  c.http_client = HttpClientConfig{{{"X-Scope-OrgID", "t1"}}, "token.txt", "--token-file", true};
  std::set<std::string> parser_keys{"$schema"};
  json full = config_to_json(c);
  for (auto it = full.begin(); it != full.end(); ++it) {
    parser_keys.insert(it.key());
    if (it.value().is_object())
      for (auto jt = it.value().begin(); jt != it.value().end(); ++jt) parser_keys.insert(it.key() + "." + jt.key());
  }
  EXPECT_EQ(schema_keys, parser_keys);
  // And a key the schema lacks is refused by the parser.
  EXPECT_THAT(error_of(nest("probes.pprof", true)), HasSubstr("probes.pprof: unknown key"));
}

TEST(ConfigSchemaTest, EveryJsonExampleInTheDocsParses) {
  std::string md = testing::read_file(testing::source_dir() / "docs" / "config.md");
  std::regex block("```json\\n([\\s\\S]*?)```");
  int n = 0;
  for (auto it = std::sregex_iterator(md.begin(), md.end(), block); it != std::sregex_iterator(); ++it) {
    json j = json::parse((*it)[1].str(), nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << (*it)[1].str();
    RunConfig c;
    auto st = apply_config_json(j, c);
    EXPECT_TRUE(st.ok()) << st.message() << "\n" << (*it)[1].str();
    ++n;
  }
  EXPECT_GE(n, 4);
}

}  // namespace
}  // namespace soak
