// Waiting for a service the test started to answer HTTP (end-to-end tests).
#pragma once

#include <chrono>
#include <string>
#include <thread>

#include "net/http_client.h"

namespace soak::testing {

/// Polls until GET `url` answers 2xx (true) or `timeout_s` passes (false).
inline bool wait_http_ok(const std::string& url, double timeout_s = 10) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = http_get(url, std::chrono::seconds(1));
    if (r && r->status >= 200 && r->status < 300) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace soak::testing
