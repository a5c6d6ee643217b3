// The ingest endpoints: POST /loki/api/v1/push (and the legacy
// /api/prom/push), POST /otlp/v1/logs, POST /insert/jsonl and
// /insert/plain. Each reads its headers, decodes its body and hands the
// streams to the Ingester; then translates the outcome into its answer.
#include <strings.h>

#include "api/api.h"
#include "base/strings.h"
#include "base/time.h"
#include "ingest/bulk_lines.h"
#include "ingest/otlp_logs.h"
#include "model/tenant.h"

namespace lode {

std::optional<HttpResponse> Api::ResolveIngest(const HttpRequest& request,
                                               const std::string& protocol, IngestRequest& target) {
  target.tenant = request.Header("X-Scope-OrgID");
  if (target.tenant.empty()) target.tenant = options_.default_tenant;
  target.protocol = protocol;
  target.now = NowNanos();
  target.batch_id = request.Header("X-Lode-Batch-Id");
  if (Status s = ValidateTenant(target.tenant); !s.ok()) {
    push_errors_.With({"invalid", "400"}).Inc();
    return HttpResponse::Text(400, s.message());
  }
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
  if (Status s = ingester_.CheckRequest(target); !s.ok()) {
    push_errors_.With({target.tenant, "400"}).Inc();
    return HttpResponse::Text(400, s.message());
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
  HttpResponse response = HttpResponse::Text(code, status.message());
  // Overload and a full disk are temporary: tell the client when to
  // come back.
  if (code == 503 || code == 429 || code == 507) response.headers.emplace_back("Retry-After", "1");
  return response;
}

HttpResponse Api::HandlePush(const HttpRequest& request) {
  IngestRequest target;
  if (auto error = ResolveIngest(request, "loki", target)) return *error;
  const std::string content_type = request.Header("Content-Type");
  const std::string content_encoding = request.Header("Content-Encoding");
  PushBody body{content_type, content_encoding, request.body};
  PushReport report;
  std::string decoded;  // the streams' lines are views of it
  auto batches = DecodeLokiPush(body, options_.push, report, decoded);
  if (!batches.ok()) return IngestFailure(target.tenant, batches.status());
  if (Status s = ingester_.Ingest(target, *batches, report); !s.ok()) {
    return IngestFailure(target.tenant, s);
  }
  if (!report.messages.empty()) return PartialRefusal(target.tenant, report);
  HttpResponse response;
  response.status = 204;
  return response;
}

HttpResponse Api::HandleOtlpLogs(const HttpRequest& request) {
  IngestRequest target;
  if (auto error = ResolveIngest(request, "otlp", target)) return *error;
  const std::string content_type = request.Header("Content-Type");
  const std::string content_encoding = request.Header("Content-Encoding");
  PushBody body{content_type, content_encoding, request.body};
  auto batches = DecodeOtlpLogs(body, options_.push, options_.otlp, target.now);
  if (!batches.ok()) return IngestFailure(target.tenant, batches.status());
  PushReport report;
  if (Status s = ingester_.Ingest(target, *batches, report); !s.ok()) {
    return IngestFailure(target.tenant, s);
  }
  // Refused records are a partial success (200), as OTLP defines it: the
  // client must not retry them.
  HttpResponse response;
  response.status = 200;
  if (IsJsonContentType(content_type)) {
    response.content_type = "application/json";
    response.body = EncodeOtlpLogsResponseJson(report);
  } else {
    response.content_type = "application/x-protobuf";
    response.body = EncodeOtlpLogsResponse(report);
  }
  return response;
}

namespace {

// Query parameters that are not labels of /insert/* requests.
bool IsInsertOption(std::string_view name) { return name.starts_with("_"); }

// The labels named by an /insert/* request's query string. Its body is
// lines, never form fields, even when a client (curl --data-binary) calls
// it application/x-www-form-urlencoded.
Result<Labels> QueryLabels(const HttpRequest& request) {
  std::vector<Label> labels;
  for (size_t i = 0; i < std::min(request.query_params, request.params.size()); ++i) {
    const auto& [name, value] = request.params[i];
    if (IsInsertOption(name)) continue;
    if (!IsValidLabelName(name)) {
      return Status::InvalidArgument("query parameter \"" + name +
                                     "\" is not a valid label name (options start with _)");
    }
    labels.push_back(Label{name, value});
  }
  return Labels(std::move(labels));
}

}  // namespace

HttpResponse Api::HandleInsert(const HttpRequest& request, bool jsonl) {
  IngestRequest target;
  if (auto error = ResolveIngest(request, jsonl ? "jsonl" : "plain", target)) return *error;
  auto labels = QueryLabels(request);
  if (!labels.ok()) return IngestFailure(target.tenant, labels.status());
  auto body = DecodeBodyEncoding(request.Header("Content-Encoding"), request.body,
                                 options_.push.max_decoded_body_bytes);
  if (!body.ok()) return IngestFailure(target.tenant, body.status());
  PushReport report;
  std::vector<StreamBatch> batches;
  if (jsonl) {
    JsonLinesOptions options;
    options.time_field = request.QueryParam("_time_field");
    options.msg_field = request.QueryParam("_msg_field");
    options.stream_fields = SplitCommaList(request.QueryParam("_stream_fields"));
    options.labels = std::move(*labels);
    batches = DecodeJsonLines(*body, options, target.now, report);
  } else {
    auto decoded = DecodePlainLines(*body, *labels, request.QueryParam("_time_format"), target.now);
    if (!decoded.ok()) return IngestFailure(target.tenant, decoded.status());
    batches = std::move(*decoded);
  }
  if (Status s = ingester_.Ingest(target, batches, report); !s.ok()) {
    return IngestFailure(target.tenant, s);
  }
  if (!report.messages.empty()) return PartialRefusal(target.tenant, report);
  HttpResponse response;
  response.status = 204;
  return response;
}

}  // namespace lode
