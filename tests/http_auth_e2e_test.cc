// End to end: --header, --token-file and --insecure on `soak run` against a
// real local HTTP(S) server (tests/testing/http_test_server.h) that answers
// 401 without the required headers. The run gets data with them (the
// --metrics and --go probes, readiness and the built-in load all carry them),
// and the token appears nowhere: not in any file of the run directory, not
// on soak's stdout or stderr. TLS: a self-signed certificate made at test
// time is refused without --insecure (exit 3, naming the URL and the reason)
// and read with it (a warning printed and recorded). Bad input exits 2 before
// anything is launched. soak fleet carries the same flags. About 15 s in all.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/testing/http_test_server.h"
#include "tests/testing/testing.h"

namespace soak {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

json read_json(const fs::path& p) {
  std::ifstream f(p);
  return json::parse(f, nullptr, false);
}

// A token no file could hold by chance.
std::string random_token() {
  unsigned char b[16];
  RAND_bytes(b, sizeof b);
  std::string t = "soak-e2e-";
  for (unsigned char c : b) t += fmt::format("{:02x}", c);
  return t;
}

// Every regular file under `dir` (recursively) that contains `needle`.
std::vector<std::string> files_containing(const fs::path& dir, const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && testing::read_file(e.path()).find(needle) != std::string::npos)
      out.push_back(e.path().string());
  return out;
}

size_t file_count(const fs::path& dir) {
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

bool samples_have(const fs::path& out, const std::string& series) {
  return testing::read_file(out / "samples.jsonl").find("\"" + series + "\"") != std::string::npos;
}

class HttpAuthE2E : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  std::vector<std::string> soak(std::vector<std::string> args) const {
    args.insert(args.begin(), {testing::soak_binary().string(), "run", "--style", "none"});
    return args;
  }
};

TEST_F(HttpAuthE2E, TheTokenAndHeadersReachEveryRequestAndTheTokenIsWrittenNowhere) {
  const std::string token = random_token();
  const std::string api_key = random_token();  // a credential given as a plain --header
  testing::write_file(dir_ / "token", token + "\n");  // as `echo TOKEN > token` writes it
  testing::HttpTestServer srv(
      {.threads = 2, .require = {{"Authorization", "Bearer " + token}, {"X-Scope-OrgID", "t1"}}});

  // The server really insists: without the token soak is refused (401) and
  // never ready.
  auto refused = testing::run_command(soak({"--duration", "3s", "--ready-timeout", "2s", "--out",
                                            (dir_ / "out0").string(), "--metrics", srv.url("/metrics"), "--header",
                                            "X-Scope-OrgID: t1"}),
                                      60);
  EXPECT_EQ(refused.exit_code, 3) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("not ready (" + srv.url("/metrics") + ") within 2s; last attempt: HTTP 401"));
  EXPECT_GT(srv.unauthorized(), 0u);

  // With it: --metrics, --go (pprof and expvar), readiness (the metrics URL,
  // as soak observes a service it did not launch) and the built-in load.
  const uint64_t unauthorized_before = srv.unauthorized();
  const uint64_t requests_before = srv.request_count();
  const fs::path out = dir_ / "out";
  auto r = testing::run_command(
      soak({"--duration", "4s", "--out", out.string(), "--metrics", srv.url("/metrics"), "--go", srv.url("/"),
            "--go-live-heap", "off", "--workload", srv.url("/api"), "--rate", "50", "--connections", "2",
            "--header", "X-Scope-OrgID: t1", "--header", "X-Api-Key: " + api_key, "--token-file",
            (dir_ / "token").string()}),
      120);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(srv.unauthorized(), unauthorized_before) << "a request went out without the token or the header";
  EXPECT_GT(srv.request_count(), requests_before + 50);
  EXPECT_EQ(srv.last_header("X-Api-Key"), api_key);
  // The probes got data: client_golang's process metric mapped onto rss_bytes
  // (--metrics), goroutines from pprof and the heap from expvar (--go).
  EXPECT_TRUE(samples_have(out, "rss_bytes"));
  EXPECT_TRUE(samples_have(out, "goroutines"));
  EXPECT_TRUE(samples_have(out, "go_heap_alloc_bytes"));
  json summary = read_json(out / "summary.json");
  ASSERT_FALSE(summary.is_discarded());
  EXPECT_GT(summary["workload"]["requests"].get<double>(), 50);
  EXPECT_EQ(summary["workload"]["errors"].get<double>(), 0);

  // run.json records that a token file was used (its path) and the headers,
  // the credential-like one redacted.
  json run = read_json(out / "run.json");
  const json& hc = run["config"]["http_client"];
  EXPECT_EQ(hc["token_file"], (dir_ / "token").string());
  EXPECT_EQ(hc["headers"]["X-Scope-OrgID"], "t1");
  EXPECT_EQ(hc["headers"]["X-Api-Key"], "<redacted>");
  EXPECT_EQ(hc["insecure"], false);

  // Neither secret anywhere: every file of the run directory (run.json,
  // samples, events, summary.json, report.html, summary.md, junit.xml,
  // workload.log, ...), soak's stdout and stderr.
  ASSERT_GE(file_count(out), 6u);
  for (const auto& secret : {token, api_key}) {
    EXPECT_THAT(files_containing(out, secret), ::testing::IsEmpty());
    EXPECT_THAT(r.out, Not(HasSubstr(secret)));
    EXPECT_THAT(r.err, Not(HasSubstr(secret)));
    EXPECT_THAT(refused.out + refused.err, Not(HasSubstr(secret)));
  }
  EXPECT_THAT(files_containing(dir_ / "out0", token), ::testing::IsEmpty());
}

TEST_F(HttpAuthE2E, ASelfSignedCertificateIsRefusedWithoutInsecureAndReadWithIt) {
  // A certificate made now by the OpenSSL API, trusted by nobody.
  testing::HttpTestServer srv({.tls = true, .threads = 2, .require = {{"X-Scope-OrgID", "t1"}}});
  const std::string metrics = srv.url("/metrics");
  ASSERT_TRUE(metrics.starts_with("https://"));

  auto refused = testing::run_command(soak({"--duration", "3s", "--out", (dir_ / "out0").string(), "--metrics",
                                            metrics, "--header", "X-Scope-OrgID: t1"}),
                                      90);
  EXPECT_EQ(refused.exit_code, 3) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr(metrics + ": TLS handshake: certificate verify failed: self-signed certificate"));
  EXPECT_THAT(refused.err, HasSubstr("--insecure"));
  EXPECT_EQ(srv.request_count(), 0u);

  const fs::path out = dir_ / "out";
  auto r = testing::run_command(soak({"--duration", "4s", "--out", out.string(), "--metrics", metrics, "--workload",
                                      srv.url("/api"), "--rate", "50", "--connections", "2", "--header",
                                      "X-Scope-OrgID: t1", "--insecure"}),
                                120);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("soak: warning: --insecure: TLS certificates and host names are not checked"));
  EXPECT_TRUE(samples_have(out, "rss_bytes"));
  json summary = read_json(out / "summary.json");
  ASSERT_FALSE(summary.is_discarded());
  EXPECT_GT(summary["workload"]["requests"].get<double>(), 50);
  EXPECT_EQ(summary["workload"]["errors"].get<double>(), 0);
  bool recorded = false;
  for (const auto& w : summary["warnings"]) recorded = recorded || w.get<std::string>().starts_with("--insecure:");
  EXPECT_TRUE(recorded) << summary["warnings"].dump();
  EXPECT_EQ(read_json(out / "run.json")["config"]["http_client"]["insecure"], true);
}

// soak fleet takes the same flags: the test server is no Prometheus API, so
// every run ends with exit 3, and the reason shows how far the request got:
// a refused certificate, then 401 without the token, then an answer that is
// no Prometheus JSON (the request was let in).
TEST_F(HttpAuthE2E, FleetCarriesTheHeadersTheTokenAndInsecure) {
  const std::string token = random_token();
  testing::write_file(dir_ / "token", token + "\n");
  testing::HttpTestServer srv({.tls = true, .require = {{"Authorization", "Bearer " + token}, {"X-Scope-OrgID", "t1"}}});
  const std::string base = srv.url("");
  auto fleet = [&](const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> args{testing::soak_binary().string(), "fleet", "--prometheus", base, "--select",
                                  "{job=\"api\"}", "--since", "1h", "--budget", "goroutines=0/h", "--out",
                                  (dir_ / out).string(), "--header", "X-Scope-OrgID: t1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return testing::run_command(args, 60);
  };
  auto untrusted = fleet("f0", {"--token-file", (dir_ / "token").string()});
  EXPECT_EQ(untrusted.exit_code, 3) << untrusted.err;
  EXPECT_THAT(untrusted.err, HasSubstr("TLS handshake: certificate verify failed: self-signed certificate"));
  EXPECT_EQ(srv.request_count(), 0u);

  auto no_token = fleet("f1", {"--insecure"});
  EXPECT_EQ(no_token.exit_code, 3) << no_token.err;
  EXPECT_THAT(no_token.err, HasSubstr("HTTP 401"));
  EXPECT_THAT(no_token.err, HasSubstr("soak: warning: --insecure: TLS certificates and host names are not checked"));
  const uint64_t refused = srv.unauthorized();
  EXPECT_GT(refused, 0u);

  auto let_in = fleet("f2", {"--insecure", "--token-file", (dir_ / "token").string()});
  EXPECT_EQ(let_in.exit_code, 3) << let_in.err;
  EXPECT_THAT(let_in.err, HasSubstr("HTTP 200"));
  EXPECT_EQ(srv.unauthorized(), refused);
  for (const auto& r : {untrusted, no_token, let_in}) EXPECT_THAT(r.out + r.err, Not(HasSubstr(token)));
  for (const char* out : {"f0", "f1", "f2"}) {
    if (fs::exists(dir_ / out)) {
      EXPECT_THAT(files_containing(dir_ / out, token), ::testing::IsEmpty());
    }
  }
}

TEST_F(HttpAuthE2E, BadHeadersAndTokenFilesExitTwoBeforeAnythingIsLaunched) {
  const fs::path marker = dir_ / "launched";
  testing::write_file(dir_ / "empty", "\n");
  testing::write_file(dir_ / "soak.json", R"({"http_client": {"token_file": "/nonexistent/soak-token"}})");
  struct Case {
    std::vector<std::string> flags;
    std::string message;
  };
  const std::string empty = (dir_ / "empty").string();
  for (const Case& c : std::vector<Case>{
           {{"--header", "X-Scope-OrgID t1"}, "--header \"X-Scope-OrgID t1\": expected \"Name: value\""},
           {{"--token-file", empty}, "--token-file \"" + empty + "\": the file is empty"},
           {{"--token-file", (dir_ / "missing").string()}, "--token-file \"" + (dir_ / "missing").string() + "\": no such file"},
           {{"--config", (dir_ / "soak.json").string()}, "http_client.token_file \"/nonexistent/soak-token\": no such file"},
       }) {
    std::vector<std::string> args{"--duration", "3s", "--out", (dir_ / "out").string()};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    args.insert(args.end(), {"--", "/bin/sh", "-c", "touch " + marker.string()});
    auto r = testing::run_command(soak(args), 30);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message));
    EXPECT_FALSE(fs::exists(marker)) << "the SUT was launched";
    EXPECT_FALSE(fs::exists(dir_ / "out")) << "the run directory was made";
  }
}

}  // namespace
}  // namespace soak
