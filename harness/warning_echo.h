// An EventSink in front of the run directory that also prints `warning`
// events to stderr when they happen (the CI log shows them as the run goes).
#pragma once

#include <cstdio>
#include <string>

#include "common/event_sink.h"

namespace soak {

class WarningEcho final : public EventSink {
 public:
  /// `next` receives every event (the run directory); must outlive this.
  explicit WarningEcho(EventSink& next) : next_(next) {}
  /// Forwards the event; a `warning` ({"message": ...}) is also printed as
  /// "soak: warning: MESSAGE". Thread-safe as `next` is.
  void emit(std::string_view event, const nlohmann::json& fields = nullptr) override {
    next_.emit(event, fields);
    if (event != "warning" || !fields.is_object()) return;
    auto it = fields.find("message");
    if (it != fields.end() && it->is_string())
      std::fprintf(stderr, "soak: warning: %s\n", it->get_ref<const std::string&>().c_str());
  }

 private:
  EventSink& next_;
};

}  // namespace soak
