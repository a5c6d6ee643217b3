// GET /loki/api/v1/patterns, as Grafana's Logs Drilldown calls Loki: the
// kinds of line the query's streams hold over the range, each as a LogQL
// pattern with its line counts per step. Mined from stored lines, so any
// range the store holds has patterns, not only the last hours.
#include <algorithm>

#include "api/api.h"
#include "api/api_params.h"
#include "base/json_writer.h"
#include "base/time.h"
#include "logql/parser.h"
#include "query/pattern_query.h"

namespace lode {

HttpResponse Api::HandlePatterns(const HttpRequest& request) {
  auto tenants = ReadTenants(request, options_.default_tenant);
  if (!tenants.ok()) return ErrorResponse(tenants.status());
  const std::string query = request.Param("query");
  if (query.empty()) return HttpResponse::Text(400, "query parameter is required");
  auto range = RangeParams(request, 3600 * kNanosPerSecond);
  if (!range.ok()) return ErrorResponse(range.status());
  int64_t step_ns =
      std::max<int64_t>((range->end - range->start) / kNanosPerSecond / 250, 1) * kNanosPerSecond;
  if (std::string step = request.Param("step"); !step.empty()) {
    auto d = ParseSecondsOrDuration(step);
    if (!d.ok())
      return ErrorResponse(Status::InvalidArgument("invalid step: " + d.status().message()));
    if (*d <= 0) {
      return HttpResponse::Text(400,
                                "zero or negative query resolution step widths are not accepted. "
                                "Try a positive integer");
    }
    step_ns = *d;
  }
  auto expr = logql::ParseQuery(query);
  if (!expr.ok()) return ErrorResponse(expr.status());
  if (!expr->is_log()) {
    return HttpResponse::Text(400,
                              "patterns need a log query (a stream selector, with filters if "
                              "wanted), not a metric query");
  }
  PatternQueryParams params;
  params.tenants = std::move(tenants).value();
  params.start = range->start;
  params.end = range->end;
  params.step_ns = step_ns;
  params.limits = LimitsFor(request);
  auto result = ExecutePatternQuery(storage_, *expr->log(), params);
  if (!result.ok()) return ErrorResponse(result.status());

  std::string body;
  JsonWriter w(body);
  w.BeginObject();
  w.Key("status");
  w.String("success");
  w.Key("data");
  w.BeginArray();
  for (const MinedPattern& p : result->patterns) {
    w.BeginObject();
    w.Key("pattern");
    w.String(p.pattern);
    w.Key("level");
    w.String(p.level);
    w.Key("samples");
    w.BeginArray();
    for (const auto& [t, n] : p.samples) {
      w.BeginArray();
      w.Int(t / kNanosPerSecond);
      w.Uint(n);
      w.EndArray();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return HttpResponse::Json(200, std::move(body));
}

}  // namespace lode
