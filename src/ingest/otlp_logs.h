// OTLP logs (POST /otlp/v1/logs, protobuf or JSON) into streams, the way
// Loki maps them so that queries written for Loki work unchanged:
// - the resource attributes in `resource_attributes_as_labels` become
//   stream labels (dots and other characters outside [a-zA-Z0-9_] become
//   `_`: service.name is service_name); a resource without service.name
//   gets service_name="unknown_service";
// - every other resource, scope and record attribute becomes structured
//   metadata, as do scope_name/scope_version, trace_id/span_id (hex),
//   flags, severity_text and severity_number;
// - the severity becomes `level` metadata (trace, debug, info, warn,
//   error, fatal), from the number or else the text;
// - the body is the line (a non-string body as JSON), and the time is
//   time_unix_nano, else observed_time_unix_nano, else the receive time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ingest/ingest_limits.h"
#include "ingest/loki_push.h"
#include "model/push_report.h"
#include "model/record.h"

namespace lode {

struct OtlpOptions {
  std::vector<std::string> resource_attributes_as_labels = DefaultOtlpResourceLabels();
  static std::vector<std::string> DefaultOtlpResourceLabels();
};

// Decodes an ExportLogsServiceRequest in protobuf (after any
// Content-Encoding) or in OTLP's JSON encoding. A body that is not one is
// InvalidArgument; `now` stamps records without a time.
Result<std::vector<StreamBatch>> DecodeOtlpLogsProto(std::string_view body,
                                                     const OtlpOptions& options, TimestampNs now);
Result<std::vector<StreamBatch>> DecodeOtlpLogsJson(std::string_view body,
                                                    const OtlpOptions& options, TimestampNs now);

// Decodes an export (`push.content_type` application/json or
// application/x-protobuf, any Content-Encoding) into streams. An error
// refuses the whole body: InvalidArgument for one that is not an export,
// ResourceExhausted for one over the size limit.
Result<std::vector<StreamBatch>> DecodeOtlpLogs(const PushBody& push, const PushLimits& limits,
                                                const OtlpOptions& otlp, TimestampNs now);

// The protobuf response to an export: empty for full success, else a
// partial_success naming how many records were refused and why.
std::string EncodeOtlpLogsResponse(const PushReport& report);
// The same in JSON.
std::string EncodeOtlpLogsResponseJson(const PushReport& report);

}  // namespace lode
