#include "ingest/loki_push.h"

#include <strings.h>

#include "ingest/content_encoding.h"
#include "ingest/loki_push_json.h"
#include "ingest/loki_push_proto.h"
#include "ingest/push_validation.h"
#include "ingest/snappy_block.h"

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
  if (IsSnappyEncoding(encoding)) {
    return DecodeSnappyBlock(body, max_size);
  }
  return DecodeContentEncoding(encoding, body, max_size);
}

Status StoreStreams(Storage& storage, const std::string& tenant, std::vector<StreamBatch>& batches,
                    const StoreOptions& options, PushReport& report) {
  ValidateStreams(batches, *options.limits, options.now, report);
  if (batches.empty()) return Status::Ok();
  const IngestLimits& limits = *options.limits;
  if (options.rate_limiter != nullptr &&
      !options.rate_limiter->Allow(tenant, limits.ingestion_rate_bytes,
                                   limits.ingestion_burst_bytes, report.accepted_bytes)) {
    Status refused = Status::RateLimited(
        "Ingestion rate limit exceeded for user " + tenant +
        " (limit: " + std::to_string(static_cast<uint64_t>(limits.ingestion_rate_bytes)) +
        " bytes/sec) while attempting to ingest '" + std::to_string(report.accepted_records) +
        "' lines totaling '" + std::to_string(report.accepted_bytes) +
        "' bytes, reduce log volume or ask for the limit to be raised");
    report.Reject("rate_limited", report.accepted_records, refused.message());
    report.accepted_records = 0;
    report.accepted_bytes = 0;
    return refused;
  }
  if (options.stream_limiter != nullptr) {
    Status admitted = options.stream_limiter->Admit(
        tenant, batches, limits.max_global_streams_per_user, options.now);
    if (!admitted.ok()) {
      report.Reject("stream_limit", report.accepted_records, admitted.message());
      report.accepted_records = 0;
      report.accepted_bytes = 0;
      return admitted;
    }
  }
  Durability durability = options.durability;
  if (durability != Durability::kDurable && options.durable_streams != nullptr) {
    for (const StreamBatch& batch : batches) {
      for (const std::vector<Matcher>& selector : *options.durable_streams) {
        bool all = !selector.empty();
        for (const Matcher& m : selector) all = all && m.MatchesLabels(batch.labels);
        if (all) durability = Durability::kDurable;
      }
    }
  }
  report.durable = durability == Durability::kDurable;
  Status s = storage.Append(tenant, batches, durability, options.batch_id);
  if (!s.ok()) {
    report.accepted_records = 0;
    report.accepted_bytes = 0;
  }
  return s;
}

Result<PushReport> IngestLokiPush(Storage& storage, const std::string& tenant, const PushBody& push,
                                  const PushLimits& push_limits, StoreOptions options) {
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
    if (!push.content_encoding.empty() && !IsSnappyEncoding(push.content_encoding)) {
      LODE_ASSIGN_OR_RETURN(unwrapped,
                            DecodeContentEncoding(push.content_encoding, push.body, max));
      block = unwrapped;
    }
    LODE_ASSIGN_OR_RETURN(std::string body, DecodeSnappyBlock(block, max));
    LODE_ASSIGN_OR_RETURN(batches, DecodeLokiPushProto(body, report));
  }
  options.batch_id = push.batch_id;
  LODE_RETURN_IF_ERROR(StoreStreams(storage, tenant, batches, options, report));
  return report;
}

}  // namespace lode
