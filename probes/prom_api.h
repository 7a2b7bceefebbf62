// A client of the Prometheus HTTP API (`/api/v1/query_range`, `/api/v1/query`)
// as Prometheus, Thanos and Mimir serve it, for `soak fleet`. Range queries
// are split into chunks under the server's limit of 11,000 points per series
// and joined again. The transport is one injected GET function
// (prom_http_transport() by default: the probes' HTTP client), so the client
// switches with it. Parsing is pure and exposed for tests.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/units.h"
#include "net/http_client.h"

namespace soak {

/// Prometheus rejects a range query with more than this many points per series.
inline constexpr size_t kPromMaxPointsPerSeries = 11000;

/// One series of a matrix result: its labels (with __name__) and its points,
/// `t` in Unix seconds.
struct PromRangeSeries {
  std::map<std::string, std::string> labels;
  std::vector<double> t, v;
};

struct PromMatrix {
  std::vector<PromRangeSeries> series;
  std::vector<std::string> warnings;  // the server's "warnings" (Thanos partial responses)
};

/// Parses a `/api/v1/query_range` or `/api/v1/query` answer whose result is a
/// matrix. `{"status":"error",...}` becomes an error with the server's
/// errorType and message. Non-finite values (NaN, ±Inf) are dropped.
Result<PromMatrix> parse_prom_matrix(std::string_view body);

/// [start, end] of one request, both on the step grid start + i*step.
struct PromChunk {
  double start = 0, end = 0;
};

/// Splits [start, end] at `step` into requests of at most `max_points`
/// points each: chunk k covers points k*max_points .. (k+1)*max_points-1 of
/// the grid, so chunks neither overlap nor leave gaps. `step` > 0.
std::vector<PromChunk> plan_prom_chunks(double start, double end, double step,
                                        size_t max_points = kPromMaxPointsPerSeries);

/// "a=b&c=d" with application/x-www-form-urlencoded escaping.
std::string prom_form_query(const std::vector<std::pair<std::string, std::string>>& params);

/// GET of a full URL with the run's HTTP settings (--header, --token-file,
/// --insecure); the one place the API client meets the HTTP client.
using PromTransport =
    std::function<Result<HttpResponse>(const std::string& url, const HttpSettings& http, Duration timeout)>;
PromTransport prom_http_transport();

/// What went wrong with a request, for exit codes: the server could not be
/// reached or answered like no Prometheus API (exit 3), or it rejected the
/// query (exit 2: the selector or a budget's series is malformed).
enum class PromErrorKind { kUnreachable, kBadQuery };

class PromApi {
 public:
  /// `base`: the server's URL up to (not including) `/api/v1`, e.g.
  /// http://127.0.0.1:9090 or http://mimir:8080/prometheus.
  PromApi(std::string base, HttpSettings http, Duration timeout, PromTransport transport = prom_http_transport());

  /// Range query over [start, end] at `step` seconds, fetched in chunks of
  /// at most kPromMaxPointsPerSeries points and joined per series (by labels).
  /// Not thread-safe.
  Result<PromMatrix> query_range(const std::string& query, double start, double end, double step);
  /// Instant query at `time` (Unix seconds) whose result is a matrix (a range
  /// selector such as `up{job="a"}[5m]`): raw samples with their own times.
  Result<PromMatrix> query_matrix(const std::string& query, double time);

  /// The first error's kind (valid after a call returned an error).
  PromErrorKind last_error_kind() const { return last_kind_; }
  /// Requests sent so far (each chunk is one).
  size_t requests() const { return requests_; }
  /// [start, end] of every range request sent so far, in order.
  const std::vector<PromChunk>& chunks() const { return chunks_; }
  size_t max_points() const { return max_points_; }
  void set_max_points(size_t n) { max_points_ = n; }

 private:
  Result<PromMatrix> get(const std::string& path, const std::vector<std::pair<std::string, std::string>>& params);

  std::string base_;
  HttpSettings http_;
  Duration timeout_;
  PromTransport transport_;
  PromErrorKind last_kind_ = PromErrorKind::kUnreachable;
  size_t requests_ = 0;
  size_t max_points_ = kPromMaxPointsPerSeries;
  std::vector<PromChunk> chunks_;
};

}  // namespace soak
