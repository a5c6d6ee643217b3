#include "ingest/loki_push.h"

#include "ingest/content_encoding.h"
#include "ingest/loki_push_json.h"

namespace lode {
namespace {

bool IsJsonContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return media == "application/json";
}

}  // namespace

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

Result<PushResult> IngestLokiPush(Storage& storage, const std::string& tenant, const PushBody& push,
                                  Durability durability, const PushLimits& limits) {
  if (!push.batch_id.empty()) LODE_RETURN_IF_ERROR(ValidateBatchId(push.batch_id));
  if (!IsJsonContentType(push.content_type)) {
    return Status::InvalidArgument("unsupported Content-Type \"" + std::string(push.content_type) +
                                   "\": this server accepts Loki push bodies as application/json");
  }
  LODE_ASSIGN_OR_RETURN(std::string body, DecodeContentEncoding(push.content_encoding, push.body,
                                                                limits.max_decoded_body_bytes));
  LODE_ASSIGN_OR_RETURN(std::vector<StreamBatch> batches, DecodeLokiPushJson(body));
  PushResult result;
  std::erase_if(batches, [](const StreamBatch& b) { return b.entries.empty(); });
  for (const StreamBatch& batch : batches) {
    result.records += batch.entries.size();
    for (const Entry& e : batch.entries) result.bytes += e.line.size();
  }
  if (batches.empty()) return result;
  LODE_RETURN_IF_ERROR(storage.Append(tenant, batches, durability, push.batch_id));
  return result;
}

}  // namespace lode
