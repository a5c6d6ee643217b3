#include "ingest/loki_push.h"

#include <strings.h>

#include "ingest/content_encoding.h"
#include "ingest/loki_push_json.h"
#include "ingest/loki_push_proto.h"
#include "ingest/push_validation.h"
#include "ingest/snappy_block.h"

namespace lode {

bool IsJsonContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return media.size() == 16 && strncasecmp(media.data(), "application/json", 16) == 0;
}

Status ValidateBatchId(std::string_view batch_id) {
  if (batch_id.empty() || batch_id.size() > 128) {
    return Status::InvalidArgument("X-Lode-Batch-Id must be 1 to 128 bytes long");
  }
  for (char c : batch_id) {
    if (c < 0x21 || c > 0x7e) {
      return Status::InvalidArgument("X-Lode-Batch-Id must be printable ASCII without spaces");
    }
  }
  return Status::Ok();
}

Result<std::string> DecodeBodyEncoding(std::string_view encoding, std::string_view body,
                                       size_t max_size) {
  if (strncasecmp(std::string(encoding).c_str(), "snappy", 7) == 0) {
    return DecodeSnappyBlock(body, max_size);
  }
  return DecodeContentEncoding(encoding, body, max_size);
}

Status StoreStreams(Storage& storage, const std::string& tenant, std::vector<StreamBatch>& batches,
                    Durability durability, std::string_view batch_id, const IngestLimits& limits,
                    TimestampNs now, PushReport& report) {
  ValidateStreams(batches, limits, now, report);
  if (batches.empty()) return Status::Ok();
  Status s = storage.Append(tenant, batches, durability, batch_id);
  if (!s.ok()) {
    report.accepted_records = 0;
    report.accepted_bytes = 0;
  }
  return s;
}

Result<PushReport> IngestLokiPush(Storage& storage, const std::string& tenant, const PushBody& push,
                                  Durability durability, const PushLimits& push_limits,
                                  const IngestLimits& limits, TimestampNs now) {
  if (!push.batch_id.empty()) LODE_RETURN_IF_ERROR(ValidateBatchId(push.batch_id));
  PushReport report;
  std::vector<StreamBatch> batches;
  const size_t max = push_limits.max_decoded_body_bytes;
  if (IsJsonContentType(push.content_type)) {
    LODE_ASSIGN_OR_RETURN(std::string body,
                          DecodeBodyEncoding(push.content_encoding, push.body, max));
    LODE_ASSIGN_OR_RETURN(batches, DecodeLokiPushJson(body));
  } else {
    // Protobuf bodies are always snappy blocks; a Content-Encoding of
    // snappy says so again, gzip or deflate wrap the snappy block.
    std::string unwrapped;
    std::string_view block = push.body;
    if (!push.content_encoding.empty() &&
        strncasecmp(std::string(push.content_encoding).c_str(), "snappy", 7) != 0) {
      LODE_ASSIGN_OR_RETURN(unwrapped,
                            DecodeContentEncoding(push.content_encoding, push.body, max));
      block = unwrapped;
    }
    LODE_ASSIGN_OR_RETURN(std::string body, DecodeSnappyBlock(block, max));
    LODE_ASSIGN_OR_RETURN(batches, DecodeLokiPushProto(body, report));
  }
  LODE_RETURN_IF_ERROR(
      StoreStreams(storage, tenant, batches, durability, push.batch_id, limits, now, report));
  return report;
}

}  // namespace lode
