// The ingest endpoints: POST /loki/api/v1/push (and the legacy
// /api/prom/push), POST /otlp/v1/logs.
#include <strings.h>

#include "base/log.h"
#include "base/time.h"
#include "ingest/otlp_logs.h"
#include "model/tenant.h"
#include "server/api.h"

namespace lode {

std::optional<HttpResponse> Api::ResolveIngest(const HttpRequest& request, IngestTarget& target) {
  target.tenant = request.Header("X-Scope-OrgID");
  if (target.tenant.empty()) target.tenant = options_.default_tenant;
  if (Status s = ValidateTenant(target.tenant); !s.ok()) {
    push_errors_.With({"invalid", "400"}).Inc();
    return HttpResponse::Text(400, s.message());
  }
  target.durability = Durability::kBestEffort;
  std::string qos = request.Header("X-Lode-Durability");
  if (strcasecmp(qos.c_str(), "durable") == 0) {
    target.durability = Durability::kDurable;
  } else if (!qos.empty() && strcasecmp(qos.c_str(), "best-effort") != 0) {
    push_errors_.With({target.tenant, "400"}).Inc();
    return HttpResponse::Text(
        400, "invalid X-Lode-Durability \"" + qos + "\": expected durable or best-effort");
  }
  return std::nullopt;
}

HttpResponse Api::IngestFailure(const std::string& tenant, const Status& status) {
  int code = HttpStatusFor(status);
  push_errors_.With({tenant, std::to_string(code)}).Inc();
  if (code >= 500) log::Error("push failed", {{"tenant", tenant}, {"err", status.ToString()}});
  HttpResponse response = HttpResponse::Text(code, status.message());
  // Overload is temporary: tell the client when to come back.
  if (code == 503 || code == 429) response.headers.emplace_back("Retry-After", "1");
  return response;
}

Status Api::IngestStreams(const std::string& tenant, std::vector<StreamBatch>& batches,
                          Durability durability) {
  PushReport report;
  Status s = StoreStreams(storage_, tenant, batches, durability, {}, IngestLimitsFor(tenant),
                          NowNanos(), report);
  CountReport(tenant, report);
  if (!s.ok()) {
    push_errors_.With({tenant, std::to_string(HttpStatusFor(s))}).Inc();
    log::Warn("ingest failed", {{"tenant", tenant}, {"err", s.ToString()}});
  }
  return s;
}

HttpResponse Api::HandlePush(const HttpRequest& request) {
  IngestTarget target;
  if (auto error = ResolveIngest(request, target)) return *error;
  const std::string content_type = request.Header("Content-Type");
  const std::string content_encoding = request.Header("Content-Encoding");
  const std::string batch_id = request.Header("X-Lode-Batch-Id");
  PushBody body{content_type, content_encoding, request.body, batch_id};
  auto result = IngestLokiPush(storage_, target.tenant, body, target.durability, options_.push,
                               IngestLimitsFor(target.tenant), NowNanos());
  if (!result.ok()) return IngestFailure(target.tenant, result.status());
  CountReport(target.tenant, *result);
  if (!result->messages.empty()) {
    // The valid entries are stored; what was refused must not be retried.
    push_errors_.With({target.tenant, "400"}).Inc();
    return HttpResponse::Text(400, result->ErrorText());
  }
  HttpResponse response;
  response.status = 204;
  return response;
}

HttpResponse Api::HandleOtlpLogs(const HttpRequest& request) {
  IngestTarget target;
  if (auto error = ResolveIngest(request, target)) return *error;
  const std::string content_type = request.Header("Content-Type");
  const std::string content_encoding = request.Header("Content-Encoding");
  const std::string batch_id = request.Header("X-Lode-Batch-Id");
  PushBody body{content_type, content_encoding, request.body, batch_id};
  auto result = IngestOtlpLogs(storage_, target.tenant, body, target.durability, options_.push,
                               IngestLimitsFor(target.tenant), options_.otlp, NowNanos());
  if (!result.ok()) return IngestFailure(target.tenant, result.status());
  CountReport(target.tenant, *result);
  // Refused records are a partial success (200), as OTLP defines it: the
  // client must not retry them.
  HttpResponse response;
  response.status = 200;
  if (IsJsonContentType(content_type)) {
    response.content_type = "application/json";
    response.body = EncodeOtlpLogsResponseJson(*result);
  } else {
    response.content_type = "application/x-protobuf";
    response.body = EncodeOtlpLogsResponse(*result);
  }
  return response;
}

}  // namespace lode
