#include "harness/fleet_cli.h"

#include <cmath>

#include <fmt/format.h>

#include "harness/cli.h"
#include "net/url.h"

namespace soak {

void add_fleet_options(CLI::App& fleet, FleetFlags& f) {
  fleet.add_option("--prometheus", f.prometheus,
                   "base URL of a Prometheus-API server (Prometheus, Thanos, Mimir), e.g. http://prometheus:9090")
      ->type_name("URL")
      ->required();
  fleet.add_option("--select", f.select, "label matchers of the service, e.g. '{job=\"api\"}'")
      ->type_name("MATCHERS")
      ->required();
  fleet.add_option("--since", f.since, "judge the past window of this length, e.g. 24h")->type_name("D");
  fleet.add_option("--duration", f.duration, "watch from now for this long, then judge")->type_name("D");
  fleet.add_option("--by", f.by, "one series set per value of this label [instance]")->type_name("LABEL");
  fleet.add_option("--budget", f.budgets, "repeatable: goroutines=0/h, rss=2MiB/h, rss<=512MiB, prom:NAME=1/h")
      ->type_name("SPEC")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  fleet.add_option("--out", f.out, "run directory; refuses a non-empty one unless --force [soak-out]")
      ->type_name("DIR");
  fleet.add_flag("--force", f.force, "write into a non-empty run directory");
  add_http_client_options(fleet, f.http);  // --header 'X-Scope-OrgID: t1' (Mimir), --token-file, --insecure
  fleet.add_option("--step", f.step, "query resolution [the scrape interval, else window/2000]")->type_name("D");
  fleet.add_option("--timeout", f.timeout, "per HTTP request [30s]")->type_name("D");
  fleet.add_flag("--strict", f.strict, "an inconclusive budget fails (exit 4)");
  fleet.add_option("--confidence", f.confidence, "confidence of the budget tests [0.99]")->type_name("X");
}

Result<FleetConfig> fleet_config_from_flags(const FleetFlags& f, const CLI::App& fleet) {
  auto given = [&](const char* name) { return fleet.count(name) > 0; };
  FleetConfig c;
  if (!f.prometheus.starts_with("http://") && !f.prometheus.starts_with("https://"))
    return flag_error("--prometheus", f.prometheus, "expected the server's URL, e.g. http://127.0.0.1:9090");
  if (auto u = parse_url(f.prometheus); !u) return flag_error("--prometheus", f.prometheus, u.message());
  if (f.prometheus.find('?') != std::string::npos || f.prometheus.find("/api/v1") != std::string::npos)
    return flag_error("--prometheus", f.prometheus,
                      "give the server's base URL without /api/v1 or a query, e.g. http://mimir:8080/prometheus");
  c.prometheus = f.prometheus;
  auto m = parse_fleet_selector(f.select);
  if (!m) return m.error();
  c.select = f.select;
  c.matchers = *m;
  if (given("--since") == given("--duration"))
    return make_error("fleet: give exactly one of --since D (judge the past window) and --duration D (watch from now)");
  for (auto [flag, text, field] : {std::tuple{"--since", &f.since, &c.since}, std::tuple{"--duration", &f.duration, &c.duration}}) {
    if (!given(flag)) continue;
    auto d = parse_duration(*text);
    if (!d) return flag_error(flag, *text, d.message());
    if (d->count() <= 0) return flag_error(flag, *text, "expected a duration above 0");
    *field = *d;
  }
  if (given("--step")) {
    auto d = parse_duration(f.step);
    if (!d) return flag_error("--step", f.step, d.message());
    if (*d < std::chrono::milliseconds(1)) return flag_error("--step", f.step, "expected at least 1ms");
    double window = to_seconds(c.since ? *c.since : *c.duration);
    if (window / to_seconds(*d) > 1e6)
      return flag_error("--step", f.step,
                        fmt::format("{:.0f} points per series over the window; at most 1,000,000", window / to_seconds(*d)));
    c.step = *d;
  }
  if (given("--timeout")) {
    auto d = parse_duration(f.timeout);
    if (!d || d->count() <= 0) return flag_error("--timeout", f.timeout, d ? "expected a duration above 0" : d.message());
    c.timeout = *d;
  }
  if (given("--by")) {
    bool ok = !f.by.empty();
    for (size_t i = 0; i < f.by.size(); ++i)
      ok = ok && (std::isalpha(static_cast<unsigned char>(f.by[i])) || f.by[i] == '_' ||
                  (i > 0 && std::isdigit(static_cast<unsigned char>(f.by[i]))));
    if (!ok) return flag_error("--by", f.by, "expected a label name such as instance or pod");
    c.by = f.by;
  }
  auto budgets = budget_flags(f.budgets);
  if (!budgets) return budgets.error();
  c.budgets = std::move(*budgets);
  SOAK_TRY(apply_http_client_flags(f.http, fleet, c.http_client));
  auto http = resolve_http_settings(c.http_client);  // the token is read before any request
  if (!http) return http.error();
  c.http = std::move(*http);
  if (given("--out")) {
    if (f.out.empty()) return flag_error("--out", f.out, "empty path (expected a directory)");
    c.out = f.out;
  }
  c.force = f.force;
  c.strict = f.strict;
  if (given("--confidence")) {
    auto v = confidence_flag(f.confidence);
    if (!v) return v.error();
    c.confidence = *v;
  }
  SOAK_TRY(validate_fleet_config(c));
  return c;
}

}  // namespace soak
