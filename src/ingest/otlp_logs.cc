#include "ingest/otlp_logs.h"

#include <google/protobuf/arena.h>
#include <simdjson.h>

#include "base/json_writer.h"
#include "ingest/otlp_logs_wire.h"
#include "proto/otlp_logs.pb.h"

namespace lode {

std::vector<std::string> OtlpOptions::DefaultOtlpResourceLabels() {
  return {"service.name",
          "service.namespace",
          "service.instance.id",
          "deployment.environment",
          "deployment.environment.name",
          "cloud.region",
          "cloud.availability_zone",
          "k8s.cluster.name",
          "k8s.namespace.name",
          "k8s.pod.name",
          "k8s.container.name",
          "container.name",
          "k8s.replicaset.name",
          "k8s.deployment.name",
          "k8s.statefulset.name",
          "k8s.daemonset.name",
          "k8s.cronjob.name",
          "k8s.job.name"};
}

Result<std::vector<StreamBatch>> DecodeOtlpLogsProto(std::string_view body,
                                                     const OtlpOptions& options, TimestampNs now) {
  google::protobuf::Arena arena;
  auto* request =
      google::protobuf::Arena::CreateMessage<wire::otlp::ExportLogsServiceRequest>(&arena);
  if (!request->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Status::InvalidArgument("invalid OTLP protobuf body: not an ExportLogsServiceRequest");
  }
  return MapOtlpRequest(*request, options, now);
}

Result<std::vector<StreamBatch>> DecodeOtlpLogsJson(std::string_view body,
                                                    const OtlpOptions& options, TimestampNs now) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  auto error = parser.parse(body.data(), body.size()).get(root);
  if (error != simdjson::SUCCESS) {
    return Status::InvalidArgument(std::string("invalid OTLP JSON body: ") +
                                   simdjson::error_message(error));
  }
  google::protobuf::Arena arena;
  auto* request =
      google::protobuf::Arena::CreateMessage<wire::otlp::ExportLogsServiceRequest>(&arena);
  LODE_RETURN_IF_ERROR(ParseOtlpJsonRequest(root, request));
  return MapOtlpRequest(*request, options, now);
}

Result<std::vector<StreamBatch>> DecodeOtlpLogs(const PushBody& push, const PushLimits& limits,
                                                const OtlpOptions& otlp, TimestampNs now) {
  const bool json = IsJsonContentType(push.content_type);
  std::string_view media = push.content_type.substr(0, push.content_type.find(';'));
  if (!json && media != "application/x-protobuf") {
    return Status::InvalidArgument("unsupported Content-Type \"" + std::string(push.content_type) +
                                   "\": OTLP logs are application/x-protobuf or application/json");
  }
  LODE_ASSIGN_OR_RETURN(std::string body, DecodeBodyEncoding(push.content_encoding, push.body,
                                                             limits.max_decoded_body_bytes));
  return json ? DecodeOtlpLogsJson(body, otlp, now) : DecodeOtlpLogsProto(body, otlp, now);
}

std::string EncodeOtlpLogsResponse(const PushReport& report) {
  wire::otlp::ExportLogsServiceResponse response;
  if (report.rejected_records > 0) {
    response.mutable_partial_success()->set_rejected_log_records(
        static_cast<int64_t>(report.rejected_records));
    response.mutable_partial_success()->set_error_message(report.ErrorText());
  }
  return response.SerializeAsString();
}

std::string EncodeOtlpLogsResponseJson(const PushReport& report) {
  std::string out;
  JsonWriter json(out);
  json.BeginObject();
  if (report.rejected_records > 0) {
    json.Key("partialSuccess");
    json.BeginObject();
    json.Key("rejectedLogRecords");
    json.String(std::to_string(report.rejected_records));
    json.Key("errorMessage");
    json.String(report.ErrorText());
    json.EndObject();
  }
  json.EndObject();
  return out;
}

}  // namespace lode