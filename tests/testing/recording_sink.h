// An EventSink that keeps what it is given, for tests of code that emits
// lifecycle events (workloads, probes).
#pragma once

#include <mutex>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/event_sink.h"

namespace soak::testing {

class RecordingSink final : public EventSink {
 public:
  void emit(std::string_view event, const nlohmann::json& fields) override {
    std::lock_guard lock(mu_);
    nlohmann::json j = fields.is_object() ? fields : nlohmann::json::object();
    j["event"] = std::string(event);
    events_.push_back(j);
  }
  /// The events named `name`, each with its fields and "event".
  std::vector<nlohmann::json> of(std::string_view name) const {
    std::lock_guard lock(mu_);
    std::vector<nlohmann::json> out;
    for (const auto& e : events_)
      if (e["event"] == name) out.push_back(e);
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<nlohmann::json> events_;
};

}  // namespace soak::testing
