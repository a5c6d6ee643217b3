// GET /loki/api/v1/detected_fields and /loki/api/v1/detected_field/{name}/values,
// as Grafana's Logs Drilldown calls Loki: the fields the query's newest
// lines carry (query/detected_fields.h), in Loki's bare JSON (no status
// envelope; {} when nothing was found).
#include "api/api.h"
#include "api/api_params.h"
#include "base/json_writer.h"
#include "logql/parser.h"
#include "query/detected_fields.h"

namespace lode {
namespace {

// A positive count parameter, or `fallback` when absent.
Result<size_t> PositiveParam(const HttpRequest& request, const char* name, size_t fallback) {
  const std::string text = request.Param(name);
  if (text.empty()) return fallback;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (end == nullptr || *end != '\0') {
    return Status::InvalidArgument("invalid " + std::string(name) + ": " + text);
  }
  if (v <= 0) return Status::InvalidArgument("limit must be a positive value");
  return static_cast<size_t>(v);
}

}  // namespace

HttpResponse Api::HandleDetectedFields(const HttpRequest& request, const std::string* values_of) {
  auto tenants = ReadTenants(request, options_.default_tenant);
  if (!tenants.ok()) return ErrorResponse(tenants.status());
  const std::string query = request.Param("query");
  if (query.empty()) return HttpResponse::Text(400, "query parameter is required");
  auto range = RangeParams(request, 3600LL * 1'000'000'000);
  if (!range.ok()) return ErrorResponse(range.status());
  auto line_limit = PositiveParam(request, "line_limit", 100);
  if (!line_limit.ok()) return ErrorResponse(line_limit.status());
  if (*line_limit > options_.max_limit) {
    return HttpResponse::Text(400,
                              "max entries limit per query exceeded, limit > "
                              "max_entries_limit_per_query (" +
                                  std::to_string(*line_limit) + " > " +
                                  std::to_string(options_.max_limit) + ")");
  }
  auto limit = PositiveParam(request, request.HasParam("limit") ? "limit" : "field_limit", 1000);
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto expr = logql::ParseQuery(query);
  if (!expr.ok()) return ErrorResponse(expr.status());
  if (!expr->is_log()) {
    return HttpResponse::Text(400, "detected fields need a log query, not a metric query");
  }
  DetectedFieldsParams params;
  params.tenants = std::move(tenants).value();
  params.start = range->start;
  params.end = range->end;
  params.line_limit = *line_limit;
  params.field_limit = *limit;
  if (values_of != nullptr) params.values_of = *values_of;
  params.limits = LimitsFor(request);
  auto result = ExecuteDetectedFields(storage_, *expr->log(), params);
  if (!result.ok()) return ErrorResponse(result.status());

  std::string body;
  JsonWriter w(body);
  w.BeginObject();
  if (values_of != nullptr) {
    if (!result->values.empty()) {
      w.Key("values");
      w.BeginArray();
      for (const std::string& v : result->values) w.String(v);
      w.EndArray();
      w.Key("limit");
      w.Uint(*limit);
    }
  } else if (!result->fields.empty()) {
    w.Key("fields");
    w.BeginArray();
    for (const DetectedField& f : result->fields) {
      w.BeginObject();
      w.Key("label");
      w.String(f.label);
      w.Key("type");
      w.String(f.type);
      w.Key("cardinality");
      w.Uint(f.cardinality);
      w.Key("parsers");
      if (f.parsers.empty()) {
        w.Null();  // structured metadata, as Loki marks it
      } else {
        w.BeginArray();
        for (const std::string& p : f.parsers) w.String(p);
        w.EndArray();
      }
      if (!f.json_path.empty()) {
        w.Key("jsonPath");
        w.BeginArray();
        for (const std::string& k : f.json_path) w.String(k);
        w.EndArray();
      }
      w.EndObject();
    }
    w.EndArray();
    w.Key("limit");
    w.Uint(*limit);
  }
  w.EndObject();
  return HttpResponse::Json(200, std::move(body));
}

}  // namespace lode
