// The http Workload as the harness uses it: make, start, readings, summary,
// stop; against the native example service when it is built.
#include "workloads/http_load.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "tests/http_slow_server.h"
#include "tests/testing/testing.h"

extern char** environ;

namespace soak {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

std::unique_ptr<Workload> make(const json& http) {
  WorkloadSpec spec;
  spec.kind = WorkloadSpec::Kind::kHttp;
  spec.origin = "workloads[0]";
  spec.http = http;
  auto w = make_http_workload(spec);
  EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.message());
  return w.ok() ? std::move(*w) : nullptr;
}

std::optional<double> find(const std::vector<Reading>& rs, const std::string& series) {
  for (const auto& r : rs)
    if (r.series == series) return r.value;
  return std::nullopt;
}

// The native example service (examples/native/leaky_server) on a free port,
// stopped with SIGTERM when the guard goes.
class LeakyServer {
 public:
  static std::optional<std::filesystem::path> binary() {
    auto p = testing::build_dir() / "examples/native/leaky_server";
    if (std::filesystem::exists(p)) return p;
    return std::nullopt;
  }
  explicit LeakyServer(const std::filesystem::path& bin) : port_(testing::free_port()) {
    std::string port = std::to_string(port_);
    std::vector<std::string> args = {bin.string(), "--host", "127.0.0.1", "--port", port, "--leak", "none"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    // Ready when it accepts a connection (bounded).
    for (int i = 0; i < 500 && pid_ > 0; ++i) {
      boost::asio::io_context io;
      boost::asio::ip::tcp::socket s(io);
      boost::system::error_code ec;
      s.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port_)}, ec);
      if (!ec) {
        ready_ = true;
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
  }
  ~LeakyServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  bool ready() const { return ready_; }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

 private:
  int port_;
  pid_t pid_ = -1;
  bool ready_ = false;
};

TEST(HttpWorkload, ReadingsSummaryAndLogAgainstTheNativeExample) {
  auto bin = LeakyServer::binary();
  if (!bin) GTEST_SKIP() << "examples/native/leaky_server is not built in " << testing::build_dir();
  LeakyServer server(*bin);
  ASSERT_TRUE(server.ready());
  testing::TempDir dir;
  auto w = make({{"url", server.url("/api")}, {"rate", 500}, {"connections", 4}});
  ASSERT_TRUE(w);
  auto* source = dynamic_cast<ReadingSource*>(w.get());
  ASSERT_NE(source, nullptr);
  EXPECT_THAT(source->series(), ::testing::ElementsAre("requests", "errors", "latency_p50_ms", "latency_p99_ms"));
  EXPECT_EQ(w->name(), "http");
  WorkloadContext ctx;
  ctx.log_path = dir / "workload.log";
  ASSERT_TRUE(w->start(ctx).ok());
  // On conditions with a deadline: some requests done, then more, with a
  // latency figure for the interval since the previous reading.
  std::vector<Reading> first, second;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        first = source->take_readings();
        return find(first, "requests").value_or(0) > 0;
      },
      30));
  ASSERT_TRUE(testing::wait_until(
      [&] {
        second = source->take_readings();
        return find(second, "requests").value_or(0) > *find(first, "requests") &&
               find(second, "latency_p99_ms").has_value();
      },
      30));
  w->stop();
  w->stop();
  ASSERT_TRUE(find(first, "requests") && find(second, "requests"));
  EXPECT_GT(*find(first, "requests"), 0);
  EXPECT_GT(*find(second, "requests"), *find(first, "requests"));  // cumulative
  EXPECT_EQ(*find(second, "errors"), 0);
  ASSERT_TRUE(find(second, "latency_p99_ms"));
  EXPECT_GE(*find(second, "latency_p99_ms"), *find(second, "latency_p50_ms"));
  EXPECT_GT(*find(second, "latency_p50_ms"), 0);

  auto s = w->summary();
  EXPECT_GE(s.requests, static_cast<uint64_t>(*find(second, "requests")));
  EXPECT_EQ(s.errors, 0u);
  EXPECT_TRUE(s.errors_by_kind.empty());
  EXPECT_EQ(s.target_rate_per_s, 500);
  EXPECT_GT(s.rate_per_s, 0);
  ASSERT_TRUE(s.p50_ms && s.p99_ms && s.p999_ms && s.max_ms);
  EXPECT_LE(*s.p50_ms, *s.p99_ms);
  EXPECT_LE(*s.p99_ms, *s.max_ms);
  EXPECT_FALSE(w->failure().has_value());
  auto log = testing::read_file(dir / "workload.log");
  EXPECT_THAT(log, HasSubstr("target 500 req/s"));
  EXPECT_THAT(log, HasSubstr("latency from scheduled time"));
}

TEST(HttpWorkload, NoResponsesMeansNoLatencyReadingAndErrorsByKind) {
  int port = testing::free_port();
  auto w = make({{"url", "http://127.0.0.1:" + std::to_string(port) + "/"}, {"rate", 200}});
  ASSERT_TRUE(w);
  auto* source = dynamic_cast<ReadingSource*>(w.get());
  ASSERT_TRUE(w->start({}).ok());
  std::vector<Reading> readings;  // until a connect error was counted (deadline 30 s)
  ASSERT_TRUE(testing::wait_until(
      [&] {
        readings = source->take_readings();
        return find(readings, "errors").value_or(0) > 0;
      },
      30));
  w->stop();
  EXPECT_EQ(*find(readings, "requests"), 0);
  EXPECT_GT(*find(readings, "errors"), 0);
  EXPECT_FALSE(find(readings, "latency_p50_ms"));
  EXPECT_FALSE(find(readings, "latency_p99_ms"));
  auto s = w->summary();
  EXPECT_GT(s.errors_by_kind.at("connect"), 0u);
  EXPECT_FALSE(s.p50_ms.has_value());
  EXPECT_FALSE(w->failure().has_value());  // errors never stop the load
}

TEST(HttpWorkload, SummaryCountsDeliberateChaosApartFromErrors) {
  testing::HttpSlowServer server;
  auto w = make({{"url", server.url("/slow?ms=200")},
                 {"rate", 200},
                 {"connections", 64},
                 {"abort_ratio", 0.25},
                 {"timeout_ratio", 0.25},
                 {"timeout", "10ms"}});
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->start({}).ok());
  // Until both kinds of chaos happened (deadline 30 s).
  EXPECT_TRUE(testing::wait_until(
      [&] {
        auto now = w->summary();
        return now.aborted > 0 && now.timed_out > 0;
      },
      30));
  w->stop();
  auto s = w->summary();
  EXPECT_GT(s.aborted, 0u);
  EXPECT_GT(s.timed_out, 0u);
  EXPECT_EQ(s.errors, 0u);
  EXPECT_TRUE(s.errors_by_kind.empty());
}

TEST(HttpWorkload, AWorkloadLogThatCannotBeWrittenIsAFailureNamingIt) {
  testing::HttpSlowServer server;
  auto w = make({{"url", server.url("/")}, {"rate", 50}});
  ASSERT_TRUE(w);
  testing::TempDir dir;
  WorkloadContext ctx;
  ctx.log_path = dir / "no-such-dir" / "workload.log";
  ASSERT_TRUE(w->start(ctx).ok());
  EXPECT_FALSE(w->failure().has_value());
  w->stop();  // writes its account: the directory is missing
  ASSERT_TRUE(w->failure().has_value());
  EXPECT_EQ(w->failure()->message, ctx.log_path.string() + ": cannot be written: No such file or directory");
}

TEST(HttpWorkload, UnstartedWorkloadHasAnEmptySummary) {
  testing::HttpSlowServer server;
  auto w = make({{"url", server.url("/")}, {"rate", 50}});
  ASSERT_TRUE(w);
  EXPECT_EQ(w->summary().requests, 0u);
  EXPECT_EQ(w->summary().target_rate_per_s, 50);
  EXPECT_TRUE(dynamic_cast<ReadingSource*>(w.get())->take_readings().empty());
  w->stop();  // harmless before start
  ASSERT_TRUE(w->start({}).ok());
  EXPECT_FALSE(w->start({}).ok());
}

}  // namespace
}  // namespace soak
