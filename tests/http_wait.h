// Waiting for a service the test started to answer HTTP (end-to-end tests).
#pragma once

#include <chrono>
#include <string>

#include "net/http_client.h"
#include "tests/testing/testing.h"

namespace soak::testing {

/// Polls until GET `url` answers 2xx (true) or `timeout_s` passes (false).
inline bool wait_http_ok(const std::string& url, double timeout_s = 10) {
  return wait_until(
      [&] {
        auto r = http_get(url, std::chrono::seconds(1));
        return r && r->status >= 200 && r->status < 300;
      },
      timeout_s);
}

}  // namespace soak::testing
