// The Loki push body, independent of HTTP: undo the content encoding and
// decode the body (JSON, or snappy-compressed protobuf) into streams with
// the decoders of wire/loki_push_json.h and wire/loki_push_proto.h.
// What happens to them next (limits, durability, storing) is the
// Ingester's job, the same for every protocol.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/push_report.h"
#include "model/record.h"

namespace lode {

// A pushed body as it arrived, with the headers that say how to read it.
struct PushBody {
  std::string_view content_type;      // "application/json"; anything else is protobuf
  std::string_view content_encoding;  // "", "identity", "gzip", "deflate", "snappy"
  std::string_view body;
};

struct PushLimits {
  size_t max_decoded_body_bytes = 64u << 20;
};

// True for a Content-Type of application/json (with any parameters).
bool IsJsonContentType(std::string_view content_type);

// Undoes `encoding` ("", "identity", "gzip", "deflate", "snappy") of a
// body. `snappy` is the raw block format.
Result<std::string> DecodeBodyEncoding(std::string_view encoding, std::string_view body,
                                       size_t max_size);

// Decodes a push into streams. Errors refuse the whole body:
// InvalidArgument for a body the client must fix (it should not retry),
// ResourceExhausted for one over the size limit. Entries the protobuf
// decoder had to refuse alone are in `report`.
// `decoded` receives the body with its compression undone: the streams'
// lines may be views of it (or of push.body), so both must outlive them.
Result<std::vector<StreamBatch>> DecodeLokiPush(const PushBody& push, const PushLimits& limits,
                                                PushReport& report, std::string& decoded);

}  // namespace lode
