// GET|POST /loki/api/v1/query_range and /loki/api/v1/query
#include <algorithm>
#include <charconv>

#include "api/api.h"
#include "api/api_params.h"
#include "base/time.h"
#include "logql/parser.h"
#include "model/tenant.h"
#include "query/log_query.h"
#include "query/metric_query.h"
#include "wire/query_response.h"

namespace lode {
namespace {

constexpr int64_t kDefaultSinceNs = 3600 * kNanosPerSecond;
constexpr int64_t kMaxPoints = 11000;  // Loki's limit per series

// An answer that may lack records (a cluster member could not be
// reached) says so in a header too, for clients that read no body field.
HttpResponse MarkPartial(HttpResponse response, const QueryStats& stats) {
  if (!stats.read.warnings.empty()) {
    response.headers.emplace_back("X-Lode-Partial-Answer",
                                  std::to_string(stats.read.warnings.size()));
  }
  return response;
}

}  // namespace

HttpResponse Api::HandleQueryRange(const HttpRequest& request) {
  auto tenants = ReadTenants(request, options_.default_tenant);
  if (!tenants.ok()) return ErrorResponse(tenants.status());
  std::string query = request.Param("query");
  if (query.empty()) return HttpResponse::Text(400, "query parameter is required");

  auto range = RangeParams(request, kDefaultSinceNs);
  if (!range.ok()) return ErrorResponse(range.status());
  const int64_t start = range->start;
  const int64_t end = range->end - 1;  // inclusive, as the caller gave it
  // Loki's default step: the range over 250 points, at least a second.
  int64_t step_ns = std::max<int64_t>((end - start) / kNanosPerSecond / 250, 1) * kNanosPerSecond;
  if (std::string step = request.Param("step"); !step.empty()) {
    auto d = ParseSecondsOrDuration(step);
    if (!d.ok())
      return ErrorResponse(Status::InvalidArgument("invalid step: " + d.status().message()));
    if (*d <= 0) {
      return HttpResponse::Text(
          400,
          "zero or negative query resolution step widths are not accepted. Try a positive integer");
    }
    step_ns = *d;
  }
  // A log query returns at most one line per interval (Loki's `interval`).
  int64_t interval_ns = 0;
  if (std::string interval = request.Param("interval"); !interval.empty()) {
    if (interval.starts_with('-')) return HttpResponse::Text(400, "interval must be >= 0");
    auto d = ParseSecondsOrDuration(interval);
    if (!d.ok()) {
      return HttpResponse::Text(400, "cannot parse \"" + interval + "\" to a valid duration");
    }
    interval_ns = *d;
  }
  auto limit = LimitParam(request, options_.default_limit, options_.max_limit);
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto direction = DirectionParam(request);
  if (!direction.ok()) return ErrorResponse(direction.status());

  // Checked for log queries too, as Loki checks every range query.
  if ((end - start) / step_ns > kMaxPoints) {
    return HttpResponse::Text(400,
                              "exceeded maximum resolution of 11,000 points per timeseries. Try "
                              "decreasing the query resolution (?step=XX)");
  }

  auto expr = logql::ParseQuery(query);
  if (!expr.ok()) return ErrorResponse(expr.status());
  if (!expr->is_log()) {
    MetricQueryParams params;
    params.tenants = std::move(tenants).value();
    params.start = start;
    params.end = end;
    params.step_ns = step_ns;
    params.max_series = options_.max_query_series;
    params.limits = LimitsFor(request);
    auto result = ExecuteMetricQuery(storage_, *expr, params);
    if (!result.ok()) return ErrorResponse(result.status());
    return MarkPartial(HttpResponse::Json(200, EncodeMetricResponse(*result)), result->stats);
  }

  LogQueryParams params;
  params.tenants = std::move(tenants).value();
  params.start = start;
  // Loki treats end as inclusive when start == end; keep a non-empty range.
  params.end = end == start ? end + 1 : end;
  params.limit = *limit;
  params.direction = *direction;
  params.categorize_labels = WantsCategorizedLabels(request);
  params.interval_ns = interval_ns;
  params.limits = LimitsFor(request);
  auto result = ExecuteLogQuery(storage_, *expr->log(), params);
  if (!result.ok()) return ErrorResponse(result.status());
  return MarkPartial(
      HttpResponse::Json(200, EncodeStreamsResponse(*result, params.categorize_labels)),
      result->stats);
}

HttpResponse Api::HandleInstantQuery(const HttpRequest& request) {
  auto tenants = ReadTenants(request, options_.default_tenant);
  if (!tenants.ok()) return ErrorResponse(tenants.status());
  std::string query = request.Param("query");
  if (query.empty()) return HttpResponse::Text(400, "query parameter is required");
  auto time = TimeParam(request, "time", NowNanos());
  if (!time.ok()) return ErrorResponse(time.status());
  // Checked as Loki checks them, though only a log query would use them.
  auto limit = LimitParam(request, options_.default_limit, options_.max_limit);
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto direction = DirectionParam(request);
  if (!direction.ok()) return ErrorResponse(direction.status());
  auto expr = logql::ParseQuery(query);
  if (!expr.ok()) return ErrorResponse(expr.status());
  if (!expr->is_log()) {
    MetricQueryParams params;
    params.tenants = std::move(tenants).value();
    params.start = params.end = *time;
    params.instant = true;
    params.max_series = options_.max_query_series;
    params.limits = LimitsFor(request);
    auto result = ExecuteMetricQuery(storage_, *expr, params);
    if (!result.ok()) return ErrorResponse(result.status());
    return MarkPartial(HttpResponse::Json(200, EncodeMetricResponse(*result)), result->stats);
  }
  // Same answer as Loki for a log selector on the instant endpoint.
  return HttpResponse::Text(400,
                            "log queries are not supported as an instant query type, please "
                            "change your query to a range query type");
}

}  // namespace lode
