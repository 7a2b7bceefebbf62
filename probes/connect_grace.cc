#include "probes/connect_grace.h"

#include "net/http_client.h"

namespace soak {

bool ConnectGrace::forgive(const Error& e) {
  if (ok_ || !is_connect_error(e)) return false;
  auto now = std::chrono::steady_clock::now();
  if (!first_) first_ = now;
  return now - *first_ < grace_;
}

}  // namespace soak
