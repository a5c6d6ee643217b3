// Api: lode's HTTP endpoints (the Loki push and query API, /ready,
// /metrics), mapping requests to ingest and query calls and their results
// back to HTTP. The only place where HTTP meets storage and queries.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "api/auth.h"
#include "base/metrics.h"
#include "ingest/ingester.h"
#include "ingest/loki_push.h"
#include "ingest/otlp_logs.h"
#include "query/query_limits.h"
#include "storage/storage.h"
#include "transport/http_server.h"
#include "transport/http_types.h"

namespace lode {

class Ruler;

struct ApiOptions {
  // Tenant used when a request has no X-Scope-OrgID (auth off), as Loki.
  std::string default_tenant = "fake";
  size_t default_limit = 100;
  size_t max_limit = 10000;
  // Query limits: time, series in a metric result, line bytes read.
  std::chrono::milliseconds query_timeout{std::chrono::minutes(1)};
  size_t max_query_series = 500;
  uint64_t max_query_bytes = 0;  // 0: no limit
  // How push bodies are decoded; what happens to them then is the
  // Ingester's options.
  PushLimits push;
  OtlpOptions otlp;
  std::string version = "0.1.0";
  // Bearer tokens; none: auth is off.
  std::vector<AuthToken> tokens;
  // A cluster member answers other members' questions here
  // (POST /internal/v1/recent, cluster/peer_protocol.h); unset on a
  // single node, where the path does not exist.
  std::function<Result<std::string>(std::string_view body)> cluster_recent;
  // When not empty, /internal/v1/ requests must carry it in
  // X-Lode-Cluster-Secret (403 otherwise).
  std::string cluster_secret;
  // The ruler, when `ruler:` is configured: its APIs are served then
  // (404 otherwise, as Loki without a ruler). Must outlive the Api.
  Ruler* ruler = nullptr;
};

class Api {
 public:
  // Queries read `storage`; pushes go through `ingester`. All three and
  // `metrics` must outlive the Api.
  Api(Storage& storage, Ingester& ingester, MetricsRegistry& metrics, ApiOptions options);

  // Thread-safe; called from the server's worker threads.
  HttpResponse Handle(HttpRequest& request);

  // /loki/api/v1/tail, served over WebSocket by the HTTP server.
  WebSocketHandler TailHandler();

  // Reported by /ready; false while shutting down.
  void SetReady(bool ready) { ready_.store(ready); }

 private:
  HttpResponse Route(const HttpRequest& request, std::string& route);
  // What a request to `path` needs from its token.
  static Access AccessFor(const std::string& method, const std::string& path);
  // The ingest request an HTTP push makes (tenant, durability, batch id
  // from its headers), or the error response when they are wrong.
  std::optional<HttpResponse> ResolveIngest(const HttpRequest& request, const std::string& protocol,
                                            IngestRequest& target);
  // The response to a push refused whole, counted.
  HttpResponse IngestFailure(const std::string& tenant, const Status& status);
  // 400 for a push of which some entries were refused and the rest stored.
  HttpResponse PartialRefusal(const std::string& tenant, const PushReport& report);
  HttpResponse HandlePush(const HttpRequest& request);
  HttpResponse HandleOtlpLogs(const HttpRequest& request);
  // /insert/jsonl (jsonl) and /insert/plain.
  HttpResponse HandleInsert(const HttpRequest& request, bool jsonl);
  HttpResponse HandleQueryRange(const HttpRequest& request);
  HttpResponse HandleInstantQuery(const HttpRequest& request);
  // /labels (name null) and /label/<name>/values.
  HttpResponse HandleLabels(const HttpRequest& request, const std::string* name);
  HttpResponse HandleSeries(const HttpRequest& request);
  HttpResponse HandleIndexStats(const HttpRequest& request);
  HttpResponse HandleVolume(const HttpRequest& request, bool over_range);
  HttpResponse HandleDetectedLabels(const HttpRequest& request);
  HttpResponse HandlePatterns(const HttpRequest& request);  // api_patterns.cc
  HttpResponse HandleTrace(const HttpRequest& request);     // api_trace.cc
  HttpResponse HandleAuditHeads(const HttpRequest& request);   // api_audit.cc
  HttpResponse HandleAuditVerify(const HttpRequest& request);  // api_audit.cc
  // api_detected_fields.cc; with `values_of`, that field's values.
  HttpResponse HandleDetectedFields(const HttpRequest& request, const std::string* values_of);
  HttpResponse HandleFormatQuery(const HttpRequest& request);
  HttpResponse HandleBuildInfo() const;
  // The ruler's APIs (api_rules.cc): the YAML rule configuration under
  // `prefix` (/loki/api/v1/rules or /api/prom/rules), and Prometheus'
  // rules and alerts in JSON.
  HttpResponse HandleRuleConfig(const HttpRequest& request, std::string_view prefix);
  HttpResponse HandlePrometheusRules(const HttpRequest& request, bool alerts_only);
  Result<std::string> RulerTenant(const HttpRequest& request) const;
  // The limits of a query made by `request`.
  QueryLimits LimitsFor(const HttpRequest& request) const;

  Storage& storage_;
  Ingester& ingester_;
  MetricsRegistry& metrics_;
  const ApiOptions options_;
  Authenticator auth_;
  std::atomic<bool> ready_{true};

  CounterFamily& requests_total_;
  HistogramFamily& request_seconds_;
  CounterFamily& push_errors_;
};

// Maps a Status to the HTTP status Loki would use for it.
int HttpStatusFor(const Status& status);

}  // namespace lode
