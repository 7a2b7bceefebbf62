#include "harness/readiness.h"

#include "probes/http_get.h"

namespace soak {

bool tcp_ready(const std::string& host, int port, Duration timeout) {
  return tcp_connect(host, port, timeout).ok();
}

ReadinessCheck::ReadinessCheck(std::optional<ReadySpec> spec) : spec_(std::move(spec)) {
  if (!spec_) return;
  if (spec_->kind == ReadySpec::Kind::kLog) {
    regex_ = std::make_unique<re2::RE2>(spec_->regex, log_regex_options());
  } else if (spec_->kind == ReadySpec::Kind::kHttp) {
    auto u = parse_probe_url(spec_->url.empty() ? spec_->text : spec_->url);
    if (u) http_ = *u;
  }
}

bool ReadinessCheck::poll(Duration timeout) {
  if (!spec_) return true;
  switch (spec_->kind) {
    case ReadySpec::Kind::kTcp: return tcp_ready(spec_->host, spec_->port, timeout);
    case ReadySpec::Kind::kHttp: {
      if (!http_) return false;
      auto r = http_get(*http_, timeout);
      return r && r->status >= 200 && r->status < 300;
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
