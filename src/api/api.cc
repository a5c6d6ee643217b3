#include "api/api.h"

#include <chrono>

#include "api/api_params.h"
#include "api/web_ui.h"
#include "base/log.h"
#include "base/time.h"

namespace lode {

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kResourceExhausted:
      return 413;
    case StatusCode::kRateLimited:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kCancelled:
      return 499;
    case StatusCode::kConflict:
      return 409;
    case StatusCode::kNoSpace:
      return 507;  // Insufficient Storage
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

Api::Api(Storage& storage, Ingester& ingester, MetricsRegistry& metrics, ApiOptions options)
    : storage_(storage),
      ingester_(ingester),
      metrics_(metrics),
      options_(std::move(options)),
      auth_(options_.tokens),
      requests_total_(metrics.AddCounter("lode_http_requests_total",
                                         "HTTP requests by route, method and status code.",
                                         {"route", "method", "code"})),
      request_seconds_(metrics.AddHistogram("lode_http_request_duration_seconds",
                                            "Time to answer an HTTP request, by route.", {"route"},
                                            LatencyBuckets())),
      push_errors_(metrics.AddCounter("lode_push_errors_total",
                                      "Push requests refused, by tenant and HTTP status code.",
                                      {"tenant", "code"})) {}

Access Api::AccessFor(const std::string& method, const std::string& path) {
  // The UI's files are open; what it asks of the API is not.
  if (path == "/ready" || path == "/metrics" || path == "/" || path == "/index.html" ||
      path.starts_with("/ui/") || path == "/loki/api/v1/status/buildinfo") {
    return Access::kNone;
  }
  // Between members: the body names its tenant; the cluster's secret, when
  // set, guards it (see Route).
  if (path == "/internal/v1/recent") return Access::kNone;
  if (path == "/loki/api/v1/push" || path == "/api/prom/push" || path == "/otlp/v1/logs" ||
      path.starts_with("/insert/")) {
    return Access::kWrite;
  }
  // Changing rules is writing.
  if ((path.starts_with("/loki/api/v1/rules") || path.starts_with("/api/prom/rules")) &&
      method != "GET") {
    return Access::kWrite;
  }
  return Access::kRead;
}

HttpResponse Api::Handle(HttpRequest& request) {
  auto started = std::chrono::steady_clock::now();
  std::string route = "other";
  std::optional<HttpResponse> refused =
      auth_.Check(request, AccessFor(request.method, request.path));
  HttpResponse response = refused ? std::move(*refused) : Route(request, route);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  requests_total_.With({route, request.method, std::to_string(response.status)}).Inc();
  request_seconds_.With({route}).Observe(seconds);
  if (response.status >= 500) {
    log::Warn("request failed", {{"method", request.method},
                                 {"path", request.path},
                                 {"status", std::to_string(response.status)},
                                 {"err", response.body}});
  } else {
    log::Debug("request", {{"method", request.method},
                           {"path", request.path},
                           {"status", std::to_string(response.status)},
                           {"duration", std::to_string(seconds)}});
  }
  return response;
}

HttpResponse Api::Route(const HttpRequest& request, std::string& route) {
  const std::string& path = request.path;
  auto allow = [&](std::initializer_list<const char*> methods) {
    for (const char* m : methods) {
      if (request.method == m) return true;
    }
    return false;
  };
  auto method_not_allowed = [&] {
    return HttpResponse::Text(405, "method " + request.method + " not allowed on " + path);
  };
  if (path == "/loki/api/v1/push" || path == "/api/prom/push") {
    route = "/loki/api/v1/push";
    return allow({"POST"}) ? HandlePush(request) : method_not_allowed();
  }
  if (path == "/internal/v1/recent" && options_.cluster_recent) {
    route = path;
    if (!allow({"POST"})) return method_not_allowed();
    if (!options_.cluster_secret.empty() &&
        request.Header("X-Lode-Cluster-Secret") != options_.cluster_secret) {
      return HttpResponse::Text(403,
                                "this endpoint is for cluster members: wrong or missing "
                                "X-Lode-Cluster-Secret");
    }
    auto answer = options_.cluster_recent(request.body);
    if (!answer.ok()) return ErrorResponse(answer.status());
    HttpResponse response;
    response.content_type = "application/octet-stream";
    response.body = std::move(*answer);
    return response;
  }
  if (path == "/insert/jsonl" || path == "/insert/plain") {
    route = path;
    return allow({"POST"}) ? HandleInsert(request, path == "/insert/jsonl") : method_not_allowed();
  }
  if (path == "/otlp/v1/logs") {
    route = path;
    return allow({"POST"}) ? HandleOtlpLogs(request) : method_not_allowed();
  }
  if (path == "/loki/api/v1/query_range") {
    route = path;
    return allow({"GET", "POST"}) ? HandleQueryRange(request) : method_not_allowed();
  }
  if (path == "/loki/api/v1/query") {
    route = path;
    return allow({"GET", "POST"}) ? HandleInstantQuery(request) : method_not_allowed();
  }
  if (path == "/loki/api/v1/labels" || path == "/loki/api/v1/label") {
    route = "/loki/api/v1/labels";
    return allow({"GET", "POST"}) ? HandleLabels(request, nullptr) : method_not_allowed();
  }
  if (path.starts_with("/loki/api/v1/label/") && path.ends_with("/values")) {
    route = "/loki/api/v1/label/values";
    const std::string name = path.substr(19, path.size() - 19 - 7);
    return allow({"GET", "POST"}) ? HandleLabels(request, &name) : method_not_allowed();
  }
  if (path == "/loki/api/v1/series") {
    route = path;
    return allow({"GET", "POST"}) ? HandleSeries(request) : method_not_allowed();
  }
  if (path == "/loki/api/v1/index/stats") {
    route = path;
    return allow({"GET", "POST"}) ? HandleIndexStats(request) : method_not_allowed();
  }
  if (path == "/loki/api/v1/index/volume" || path == "/loki/api/v1/index/volume_range") {
    route = path;
    return allow({"GET", "POST"}) ? HandleVolume(request, path.ends_with("_range"))
                                  : method_not_allowed();
  }
  if (path == "/loki/api/v1/detected_labels") {
    route = path;
    return allow({"GET"}) ? HandleDetectedLabels(request) : method_not_allowed();
  }
  if (path == "/loki/api/v1/detected_fields") {
    route = path;
    return allow({"GET", "POST"}) ? HandleDetectedFields(request, nullptr) : method_not_allowed();
  }
  if (path.starts_with("/loki/api/v1/detected_field/") && path.ends_with("/values")) {
    route = "/loki/api/v1/detected_field/values";
    const std::string name = path.substr(28, path.size() - 28 - 7);
    return allow({"GET", "POST"}) ? HandleDetectedFields(request, &name) : method_not_allowed();
  }
  if (path == "/api/v1/trace") {
    route = path;
    return allow({"GET", "POST"}) ? HandleTrace(request) : method_not_allowed();
  }
  if (path == "/api/v1/audit/heads") {
    route = path;
    return allow({"GET"}) ? HandleAuditHeads(request) : method_not_allowed();
  }
  if (path == "/api/v1/audit/verify") {
    route = path;
    return allow({"GET", "POST"}) ? HandleAuditVerify(request) : method_not_allowed();
  }
  if (path == "/loki/api/v1/patterns") {
    route = path;
    return allow({"GET", "POST"}) ? HandlePatterns(request) : method_not_allowed();
  }
  if (path == "/loki/api/v1/format_query") {
    route = path;
    return allow({"GET", "POST"}) ? HandleFormatQuery(request) : method_not_allowed();
  }
  if (options_.ruler != nullptr) {
    for (std::string_view prefix : {"/loki/api/v1/rules", "/api/prom/rules"}) {
      if (path == prefix || path.starts_with(std::string(prefix) + "/")) {
        route = "/loki/api/v1/rules";
        return HandleRuleConfig(request, prefix);
      }
    }
    if (path == "/prometheus/api/v1/rules" || path == "/prometheus/api/v1/alerts") {
      route = path;
      return allow({"GET", "POST"}) ? HandlePrometheusRules(request, path.ends_with("/alerts"))
                                    : method_not_allowed();
    }
  }
  if (path == "/loki/api/v1/status/buildinfo") {
    route = path;
    return HandleBuildInfo();
  }
  if (path == "/ready") {
    route = path;
    return ready_.load() ? HttpResponse::Text(200, "ready")
                         : HttpResponse::Text(503, "shutting down");
  }
  if (path == "/metrics") {
    route = path;
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_.Render();
    return r;
  }
  if (path == "/" || path == "/index.html" || path.starts_with("/ui/")) {
    route = "/";
    if (!allow({"GET"})) return method_not_allowed();
    if (auto page = ServeWebUi(request)) return std::move(*page);
    return HttpResponse::Text(404, "404 page not found: " + path);
  }
  return HttpResponse::Text(404, "404 page not found: " + path);
}

QueryLimits Api::LimitsFor(const HttpRequest& request) const {
  QueryLimits limits;
  if (options_.query_timeout.count() > 0) {
    limits.timeout = options_.query_timeout;
    limits.deadline = std::chrono::steady_clock::now() + options_.query_timeout;
  }
  limits.cancelled = request.cancelled;
  limits.max_bytes = options_.max_query_bytes;
  return limits;
}

HttpResponse Api::HandleBuildInfo() const {
  return HttpResponse::Json(200, "{\"version\":\"" + options_.version +
                                     "\",\"revision\":\"\",\"branch\":\"\",\"buildUser\":\"\","
                                     "\"buildDate\":\"\",\"goVersion\":\"\"}");
}

}  // namespace lode
