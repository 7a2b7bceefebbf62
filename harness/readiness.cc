#include "harness/readiness.h"

#include "net/http_client.h"

namespace soak {

bool tcp_ready(const std::string& host, int port, Duration timeout) {
  return port > 0 && port <= 65535 && tcp_check(host, static_cast<uint16_t>(port), timeout).ok();
}

ReadinessCheck::ReadinessCheck(std::optional<ReadySpec> spec, HttpSettings http)
    : spec_(std::move(spec)), settings_(std::move(http)) {
  if (!spec_) return;
  if (spec_->kind == ReadySpec::Kind::kLog) {
    regex_ = std::make_unique<re2::RE2>(spec_->regex, log_regex_options());
  } else if (spec_->kind == ReadySpec::Kind::kHttp) {
    auto u = parse_url(spec_->url.empty() ? spec_->text : spec_->url);
    if (u) http_ = *u;
  }
}

bool ReadinessCheck::poll(Duration timeout) {
  if (!spec_) return true;
  switch (spec_->kind) {
    case ReadySpec::Kind::kTcp: return tcp_ready(spec_->host, spec_->port, timeout);
    case ReadySpec::Kind::kHttp: {
      if (!http_) return false;
      auto r = http_get(*http_, timeout, settings_);
      if (!r && is_certificate_error(r.error())) refused_ = r.message();
      if (r && r->status >= 200 && r->status < 300) return true;
      // The last poll before the ready timeout gets what time is left, maybe
      // a fraction of a millisecond: its "timed out" says nothing about the
      // service and must not replace the reason an earlier attempt gave
      // ("HTTP 401").
      if (!r && timeout < kShortAttempt && !last_failure_.empty()) return false;
      last_failure_ = r ? "HTTP " + std::to_string(r->status) : r.message();
      return false;
    }
    case ReadySpec::Kind::kLog: return log_matched_;
  }
  return false;
}

void ReadinessCheck::feed_line(std::string_view line) {
  if (!regex_ || log_matched_) return;
  if (re2::RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *regex_)) log_matched_ = true;
}

std::optional<std::string> ReadinessCheck::url() const {
  if (spec_ && spec_->kind == ReadySpec::Kind::kHttp) return spec_->url.empty() ? spec_->text : spec_->url;
  return std::nullopt;
}

std::string ReadinessCheck::describe() const {
  if (!spec_) return "none";
  return spec_->text;
}

}  // namespace soak
