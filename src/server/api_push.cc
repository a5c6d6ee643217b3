// The ingest endpoints: POST /loki/api/v1/push (and the legacy
// /api/prom/push), POST /otlp/v1/logs, POST /insert/jsonl and
// /insert/plain; and records from the syslog listeners.
#include <strings.h>

#include "base/log.h"
#include "base/time.h"
#include "ingest/bulk_lines.h"
#include "ingest/otlp_logs.h"
#include "model/tenant.h"
#include "server/api.h"

namespace lode {

StoreOptions Api::StoreOptionsFor(const std::string& tenant, Durability durability) {
  StoreOptions options;
  options.durability = durability;
  options.durable_streams = &options_.durable_streams;
  options.limits = &IngestLimitsFor(tenant);
  options.rate_limiter = &rate_limiter_;
  options.stream_limiter = &stream_limiter_;
  options.now = NowNanos();
  return options;
}

std::optional<HttpResponse> Api::ResolveIngest(const HttpRequest& request,
                                               const std::string& protocol, IngestTarget& target) {
  target.tenant = request.Header("X-Scope-OrgID");
  if (target.tenant.empty()) target.tenant = options_.default_tenant;
  if (Status s = ValidateTenant(target.tenant); !s.ok()) {
    push_errors_.With({"invalid", "400"}).Inc();
    return HttpResponse::Text(400, s.message());
  }
  target.durability = DefaultDurability(protocol);
  std::string qos = request.Header("X-Lode-Durability");
  if (strcasecmp(qos.c_str(), "durable") == 0) {
    target.durability = Durability::kDurable;
  } else if (strcasecmp(qos.c_str(), "best-effort") == 0) {
    target.durability = Durability::kBestEffort;
  } else if (!qos.empty()) {
    push_errors_.With({target.tenant, "400"}).Inc();
    return HttpResponse::Text(
        400, "invalid X-Lode-Durability \"" + qos + "\": expected durable or best-effort");
  }
  return std::nullopt;
}

HttpResponse Api::PartialRefusal(const std::string& tenant, const PushReport& report) {
  // The valid entries are stored; what was refused must not be retried.
  // Loki's clients read the body; lode's read the counts.
  push_errors_.With({tenant, "400"}).Inc();
  HttpResponse response = HttpResponse::Text(400, report.ErrorText());
  response.headers.emplace_back("X-Lode-Stored-Entries", std::to_string(report.accepted_records));
  response.headers.emplace_back("X-Lode-Refused-Entries", std::to_string(report.rejected_records));
  return response;
}

HttpResponse Api::IngestFailure(const std::string& tenant, const Status& status) {
  int code = HttpStatusFor(status);
  push_errors_.With({tenant, std::to_string(code)}).Inc();
  if (code == 429 || code == 503) {
    std::string_view reason = status.message().starts_with("Ingestion rate limit") ? "rate_limited"
                              : status.message().starts_with("Maximum active stream")
                                  ? "stream_limit"
                              : code == 429 ? "overloaded"
                                            : "unavailable";
    push_refused_.With({tenant, std::string(reason)}).Inc();
  }
  if (code >= 500) log::Error("push failed", {{"tenant", tenant}, {"err", status.ToString()}});
  HttpResponse response = HttpResponse::Text(code, status.message());
  // Overload is temporary: tell the client when to come back.
  if (code == 503 || code == 429) response.headers.emplace_back("Retry-After", "1");
  return response;
}

Status Api::IngestStreams(const std::string& tenant, std::vector<StreamBatch>& batches,
                          Durability durability) {
  PushReport report;
  Status s = StoreStreams(storage_, tenant, batches, StoreOptionsFor(tenant, durability), report);
  CountReport(tenant, report);
  if (!s.ok()) {
    push_errors_.With({tenant, std::to_string(HttpStatusFor(s))}).Inc();
    log::Warn("ingest failed", {{"tenant", tenant}, {"err", s.ToString()}});
  }
  return s;
}

HttpResponse Api::HandlePush(const HttpRequest& request) {
  IngestTarget target;
  if (auto error = ResolveIngest(request, "loki", target)) return *error;
  const std::string content_type = request.Header("Content-Type");
  const std::string content_encoding = request.Header("Content-Encoding");
  const std::string batch_id = request.Header("X-Lode-Batch-Id");
  PushBody body{content_type, content_encoding, request.body, batch_id};
  auto result = IngestLokiPush(storage_, target.tenant, body, options_.push,
                               StoreOptionsFor(target.tenant, target.durability));
  if (!result.ok()) return IngestFailure(target.tenant, result.status());
  CountReport(target.tenant, *result);
  if (!result->messages.empty()) return PartialRefusal(target.tenant, *result);
  HttpResponse response;
  response.status = 204;
  return response;
}

HttpResponse Api::HandleOtlpLogs(const HttpRequest& request) {
  IngestTarget target;
  if (auto error = ResolveIngest(request, "otlp", target)) return *error;
  const std::string content_type = request.Header("Content-Type");
  const std::string content_encoding = request.Header("Content-Encoding");
  const std::string batch_id = request.Header("X-Lode-Batch-Id");
  PushBody body{content_type, content_encoding, request.body, batch_id};
  auto result = IngestOtlpLogs(storage_, target.tenant, body, options_.push, options_.otlp,
                               StoreOptionsFor(target.tenant, target.durability));
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

namespace {

// Query parameters that are not labels of /insert/* requests.
bool IsInsertOption(std::string_view name) { return name.starts_with("_"); }

// The labels named by an /insert/* request's query string.
Result<Labels> QueryLabels(const HttpRequest& request) {
  std::vector<Label> labels;
  for (const auto& [name, value] : request.params) {
    if (IsInsertOption(name)) continue;
    if (!IsValidLabelName(name)) {
      return Status::InvalidArgument("query parameter \"" + name +
                                     "\" is not a valid label name (options start with _)");
    }
    labels.push_back(Label{name, value});
  }
  return Labels(std::move(labels));
}

std::vector<std::string> CommaList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

HttpResponse Api::HandleInsert(const HttpRequest& request, bool jsonl) {
  IngestTarget target;
  if (auto error = ResolveIngest(request, jsonl ? "jsonl" : "plain", target)) return *error;
  auto labels = QueryLabels(request);
  if (!labels.ok()) return IngestFailure(target.tenant, labels.status());
  auto body = DecodeBodyEncoding(request.Header("Content-Encoding"), request.body,
                                 options_.push.max_decoded_body_bytes);
  if (!body.ok()) return IngestFailure(target.tenant, body.status());
  const TimestampNs now = NowNanos();
  PushReport report;
  std::vector<StreamBatch> batches;
  if (jsonl) {
    JsonLinesOptions options;
    options.time_field = request.Param("_time_field");
    options.msg_field = request.Param("_msg_field");
    options.stream_fields = CommaList(request.Param("_stream_fields"));
    options.labels = std::move(*labels);
    batches = DecodeJsonLines(*body, options, now, report);
  } else {
    auto decoded = DecodePlainLines(*body, *labels, request.Param("_time_format"), now);
    if (!decoded.ok()) return IngestFailure(target.tenant, decoded.status());
    batches = std::move(*decoded);
  }
  const std::string batch_id = request.Header("X-Lode-Batch-Id");
  if (!batch_id.empty()) {
    if (Status s = ValidateBatchId(batch_id); !s.ok()) return IngestFailure(target.tenant, s);
  }
  StoreOptions store = StoreOptionsFor(target.tenant, target.durability);
  store.batch_id = batch_id;
  store.now = now;
  Status stored = StoreStreams(storage_, target.tenant, batches, store, report);
  if (!stored.ok()) return IngestFailure(target.tenant, stored);
  CountReport(target.tenant, report);
  if (!report.messages.empty()) return PartialRefusal(target.tenant, report);
  HttpResponse response;
  response.status = 204;
  return response;
}

}  // namespace lode
