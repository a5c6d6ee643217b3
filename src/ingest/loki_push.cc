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

Result<PushResult> IngestLokiPush(Storage& storage, const std::string& tenant, const PushBody& push,
                                  Durability durability, const PushLimits& limits) {
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
  LODE_RETURN_IF_ERROR(storage.Append(tenant, batches, durability));
  return result;
}

}  // namespace lode
