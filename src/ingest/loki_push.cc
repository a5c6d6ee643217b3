#include "ingest/loki_push.h"

#include <strings.h>

#include "ingest/content_encoding.h"
#include "wire/loki_push_json.h"
#include "wire/loki_push_proto.h"
#include "wire/snappy_block.h"

namespace lode {

namespace {

bool IsSnappyEncoding(std::string_view encoding) {
  return encoding.size() == 6 && strncasecmp(encoding.data(), "snappy", 6) == 0;
}

}  // namespace

bool IsJsonContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return media.size() == 16 && strncasecmp(media.data(), "application/json", 16) == 0;
}

Result<std::string> DecodeBodyEncoding(std::string_view encoding, std::string_view body,
                                       size_t max_size) {
  if (IsSnappyEncoding(encoding)) {
    return DecodeSnappyBlock(body, max_size);
  }
  return DecodeContentEncoding(encoding, body, max_size);
}

Result<std::vector<StreamBatch>> DecodeLokiPush(const PushBody& push, const PushLimits& push_limits,
                                                PushReport& report, std::string& decoded) {
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
    if (!push.content_encoding.empty() && !IsSnappyEncoding(push.content_encoding)) {
      LODE_ASSIGN_OR_RETURN(unwrapped,
                            DecodeContentEncoding(push.content_encoding, push.body, max));
      block = unwrapped;
    }
    LODE_ASSIGN_OR_RETURN(decoded, DecodeSnappyBlock(block, max));
    LODE_ASSIGN_OR_RETURN(batches,
                          DecodeLokiPushProto(decoded, report, DecodedLines::kViewsOfBody));
  }
  return batches;
}

}  // namespace lode
