// POST /loki/api/v1/push
#include <strings.h>

#include "base/log.h"
#include "base/time.h"
#include "model/tenant.h"
#include "server/api.h"

namespace lode {

HttpResponse Api::HandlePush(const HttpRequest& request) {
  std::string tenant = request.Header("X-Scope-OrgID");
  if (tenant.empty()) tenant = options_.default_tenant;
  if (Status s = ValidateTenant(tenant); !s.ok()) {
    push_errors_.With({"invalid", "400"}).Inc();
    return HttpResponse::Text(400, s.message());
  }

  Durability durability = Durability::kBestEffort;
  std::string qos = request.Header("X-Lode-Durability");
  if (strcasecmp(qos.c_str(), "durable") == 0) {
    durability = Durability::kDurable;
  } else if (!qos.empty() && strcasecmp(qos.c_str(), "best-effort") != 0) {
    push_errors_.With({tenant, "400"}).Inc();
    return HttpResponse::Text(
        400, "invalid X-Lode-Durability \"" + qos + "\": expected durable or best-effort");
  }

  const std::string content_type = request.Header("Content-Type");
  const std::string content_encoding = request.Header("Content-Encoding");
  const std::string batch_id = request.Header("X-Lode-Batch-Id");
  PushBody body{content_type, content_encoding, request.body, batch_id};
  auto result = IngestLokiPush(storage_, tenant, body, durability, options_.push,
                               IngestLimitsFor(tenant), NowNanos());
  if (!result.ok()) {
    int code = HttpStatusFor(result.status());
    push_errors_.With({tenant, std::to_string(code)}).Inc();
    if (code >= 500) {
      log::Error("push failed", {{"tenant", tenant}, {"err", result.status().ToString()}});
    }
    HttpResponse response = HttpResponse::Text(code, result.status().message());
    // Overload is temporary: tell the client when to come back.
    if (code == 503) response.headers.emplace_back("Retry-After", "1");
    return response;
  }
  CountReport(tenant, *result);
  if (!result->messages.empty()) {
    // The valid entries are stored; what was refused must not be retried.
    push_errors_.With({tenant, "400"}).Inc();
    return HttpResponse::Text(400, result->ErrorText());
  }
  HttpResponse response;
  response.status = 204;
  return response;
}

}  // namespace lode
