// GET /api/v1/trace?id=<id>[&start&end|&since][&limit]: one request
// followed across services (query/trace_query.h). lode's own endpoint
// (Loki has none): every record of the tenant holding the id in its line
// or its structured metadata, oldest first, and a summary per service.
#include <map>

#include "api/api.h"
#include "api/api_params.h"
#include "base/json_writer.h"
#include "query/trace_query.h"
#include "wire/query_response.h"  // WriteLabels

namespace lode {

HttpResponse Api::HandleTrace(const HttpRequest& request) {
  auto tenants = ReadTenants(request, options_.default_tenant);
  if (!tenants.ok()) return ErrorResponse(tenants.status());
  const std::string id = request.Param("id");
  if (id.empty()) return HttpResponse::Text(400, "id parameter is required");
  auto range = RangeParams(request, 24 * 3600LL * 1'000'000'000);
  if (!range.ok()) return ErrorResponse(range.status());
  auto limit = LimitParam(request, 5000, 100000);
  if (!limit.ok()) return ErrorResponse(limit.status());
  TraceQueryParams params;
  params.tenants = std::move(tenants).value();
  params.start = range->start;
  params.end = range->end;
  params.id = id;
  params.limit = *limit;
  params.limits = LimitsFor(request);
  auto result = ExecuteTraceQuery(storage_, params);
  if (!result.ok()) return ErrorResponse(result.status());

  struct Service {
    int64_t first = 0, last = 0;
    uint64_t lines = 0;
  };
  std::map<std::string, Service> services;
  std::vector<std::string> order;  // by first appearance
  for (const TraceRecord& r : result->records) {
    auto [it, fresh] = services.try_emplace(r.service, Service{r.timestamp, r.timestamp, 0});
    if (fresh) order.push_back(r.service);
    it->second.last = r.timestamp;
    ++it->second.lines;
  }
  std::string body;
  JsonWriter w(body);
  w.BeginObject();
  w.Key("status");
  w.String("success");
  w.Key("data");
  w.BeginObject();
  w.Key("id");
  w.String(id);
  w.Key("truncated");
  w.Bool(result->truncated);
  w.Key("services");
  w.BeginArray();
  for (const std::string& name : order) {
    const Service& s = services[name];
    w.BeginObject();
    w.Key("service");
    w.String(name);
    w.Key("first");
    w.String(std::to_string(s.first));
    w.Key("last");
    w.String(std::to_string(s.last));
    w.Key("lines");
    w.Uint(s.lines);
    w.EndObject();
  }
  w.EndArray();
  w.Key("records");
  w.BeginArray();
  const bool multi_tenant = params.tenants.size() > 1;
  for (const TraceRecord& r : result->records) {
    w.BeginObject();
    w.Key("timestamp");
    w.String(std::to_string(r.timestamp));
    w.Key("service");
    w.String(r.service);
    if (multi_tenant) {
      w.Key("tenant");
      w.String(r.tenant);
    }
    w.Key("stream");
    WriteLabels(w, r.stream);
    w.Key("metadata");
    WriteLabels(w, r.metadata);
    w.Key("line");
    w.String(r.line);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
  return HttpResponse::Json(200, std::move(body));
}

}  // namespace lode
