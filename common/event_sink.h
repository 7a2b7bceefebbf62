// Where lifecycle events go (events.jsonl). Implemented by the run directory
// writer; tests use a recording fake.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace soak {

class EventSink {
 public:
  virtual ~EventSink() = default;
  /// Records `event` at the current run time with extra fields (an object or
  /// null). Thread-safe; appended and flushed at once.
  virtual void emit(std::string_view event, const nlohmann::json& fields = nullptr) = 0;
};

}  // namespace soak
