#include "common/fleet_summary.h"

#include <chrono>
#include <cmath>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace soak {

using nlohmann::json;

std::string utc_text(double unix_s) {
  auto tp = std::chrono::sys_seconds(std::chrono::seconds(static_cast<long long>(std::floor(unix_s))));
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", tp);
}

json to_json(const FleetSummary& s) {
  json j = to_json(s.fleet);
  const FleetSource& src = s.source;
  j["fleet"] = json{{"prometheus", src.prometheus},
                    {"select", src.select},
                    {"by", src.by},
                    {"mode", src.mode},
                    {"start_unix", src.start_unix},
                    {"end_unix", src.end_unix},
                    {"start_utc", utc_text(src.start_unix)},
                    {"end_utc", utc_text(src.end_unix)},
                    {"step_s", src.step_s},
                    {"step_from", src.step_from},
                    {"requests", src.requests},
                    {"chunks", src.chunks},
                    {"queries", src.queries},
                    {"headers", src.header_names}};
  json instances = json::array();
  for (const auto& i : s.instances) {
    json one = to_json(i.summary);
    instances.push_back(json{{"name", i.name},
                             {"labels", i.labels},
                             {"status", one["status"]},
                             {"exit_code", one["exit_code"]},
                             {"run", one["run"]},
                             {"budgets", one["budgets"]},
                             {"series", one["series"]},
                             {"warnings", one["warnings"]}});
  }
  j["instances"] = std::move(instances);
  json outliers = json::array();
  for (const auto& o : s.outliers)
    outliers.push_back(json{{"instance", o.instance},
                            {"series", o.series},
                            {"slope_per_h", o.slope_per_h},
                            {"fleet_median_per_h", o.fleet_median_per_h},
                            {"fleet_mad_per_h", o.fleet_mad_per_h},
                            {"z", o.z},
                            {"within_budget", o.within_budget}});
  j["outliers"] = std::move(outliers);
  return j;
}

}  // namespace soak
