// The Loki push endpoint's work, independent of HTTP: undo the content
// encoding, decode the body (JSON, or snappy-compressed protobuf), check
// every stream and entry against the tenant's limits, and store what
// passes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "ingest/ingest_limits.h"
#include "ingest/push_report.h"
#include "storage/storage.h"

namespace lode {

struct PushBody {
  std::string_view content_type;      // "application/json"; anything else is protobuf
  std::string_view content_encoding;  // "", "identity", "gzip", "deflate", "snappy"
  std::string_view body;
  // Idempotency key of the batch (X-Lode-Batch-Id), or empty.
  std::string_view batch_id;
};

// Batch ids are 1 to 128 printable ASCII bytes.
Status ValidateBatchId(std::string_view batch_id);

struct PushLimits {
  size_t max_decoded_body_bytes = 64u << 20;
};

// True for a Content-Type of application/json (with any parameters).
bool IsJsonContentType(std::string_view content_type);

// Undoes `encoding` ("", "identity", "gzip", "deflate", "snappy") of a
// body. `snappy` is the raw block format.
Result<std::string> DecodeBodyEncoding(std::string_view encoding, std::string_view body,
                                       size_t max_size);

// Errors refuse the whole body and store nothing: InvalidArgument for a
// body the client must fix (it should not retry), ResourceExhausted for
// one over the size limit, and storage's errors as they come
// (Unavailable/IOError: retry). Otherwise the valid entries are stored
// and the report names what was refused (answered 400 by the caller).
Result<PushReport> IngestLokiPush(Storage& storage, const std::string& tenant, const PushBody& push,
                                  Durability durability, const PushLimits& push_limits,
                                  const IngestLimits& limits, TimestampNs now);

// Stores decoded streams as every push path does: checks them against
// `limits` (refusals go to `report`), then appends what is left.
Status StoreStreams(Storage& storage, const std::string& tenant, std::vector<StreamBatch>& batches,
                    Durability durability, std::string_view batch_id, const IngestLimits& limits,
                    TimestampNs now, PushReport& report);

}  // namespace lode
