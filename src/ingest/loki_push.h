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
#include "ingest/rate_limiter.h"
#include "ingest/stream_limiter.h"
#include "model/matcher.h"
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

// How decoded streams are stored, whatever the protocol.
struct StoreOptions {
  // The class asked for; a stream matching one of `durable_streams`
  // makes the whole push durable.
  Durability durability = Durability::kBestEffort;
  const std::vector<std::vector<Matcher>>* durable_streams = nullptr;
  std::string_view batch_id;                  // idempotency key, or empty
  const IngestLimits* limits = nullptr;       // required
  IngestRateLimiter* rate_limiter = nullptr;  // optional
  StreamLimiter* stream_limiter = nullptr;    // optional
  TimestampNs now = 0;
};

// Stores decoded streams as every push path does: checks them against the
// limits (refusals go to `report`), takes their bytes from the tenant's
// rate (RateLimited when over it: nothing is stored), then appends what
// is left.
Status StoreStreams(Storage& storage, const std::string& tenant, std::vector<StreamBatch>& batches,
                    const StoreOptions& options, PushReport& report);

// Errors refuse the whole body and store nothing: InvalidArgument for a
// body the client must fix (it should not retry), ResourceExhausted for
// one over the size limit, RateLimited over the tenant's rate, and
// storage's errors as they come (Unavailable/IOError: retry). Otherwise
// the valid entries are stored and the report names what was refused
// (answered 400 by the caller). The batch id is read from `push`.
Result<PushReport> IngestLokiPush(Storage& storage, const std::string& tenant, const PushBody& push,
                                  const PushLimits& push_limits, StoreOptions options);

}  // namespace lode
