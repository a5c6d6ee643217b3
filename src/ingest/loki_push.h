// The Loki push endpoint's work, independent of HTTP: undo the content
// encoding, decode the body, and append the records to storage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/storage.h"

namespace lode {

struct PushBody {
  std::string_view content_type;      // e.g. "application/json"
  std::string_view content_encoding;  // "", "gzip", "deflate"
  std::string_view body;
  // Idempotency key of the batch (X-Lode-Batch-Id), or empty.
  std::string_view batch_id;
};

// Batch ids are 1 to 128 printable ASCII bytes.
Status ValidateBatchId(std::string_view batch_id);

struct PushResult {
  uint64_t records = 0;
  uint64_t bytes = 0;  // sum of line lengths
};

struct PushLimits {
  size_t max_decoded_body_bytes = 64u << 20;
};

// InvalidArgument for anything the client must fix (it should not retry);
// ResourceExhausted for a body over the limit; errors from storage as they
// come (Unavailable/IOError: retry).
Result<PushResult> IngestLokiPush(Storage& storage, const std::string& tenant, const PushBody& push,
                                  Durability durability, const PushLimits& limits);

}  // namespace lode
