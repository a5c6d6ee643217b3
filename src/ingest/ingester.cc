#include "ingest/ingester.h"

#include "base/log.h"
#include "base/time.h"
#include "ingest/push_validation.h"
#include "model/tenant.h"

namespace lode {

namespace {

// The refusal a sink's error stands for.
PushRefusal SinkRefusal(const Status& status) {
  switch (status.code()) {
    case StatusCode::kRateLimited:
      return PushRefusal::kOverloaded;
    case StatusCode::kUnavailable:
      return PushRefusal::kUnavailable;
    case StatusCode::kInvalidArgument:
      return PushRefusal::kInvalid;
    default:
      return PushRefusal::kFailed;
  }
}

// A push refused whole: nothing of it counts as accepted.
void RefuseAll(PushReport& report, PushRefusal refusal) {
  report.refusal = refusal;
  report.accepted_records = 0;
  report.accepted_bytes = 0;
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

Ingester::Ingester(IngestSink& sink, MetricsRegistry& metrics, IngesterOptions options)
    : sink_(sink),
      options_(std::move(options)),
      ingested_records_(metrics.AddCounter("lode_ingested_records_total",
                                           "Log records accepted and stored, by tenant.",
                                           {"tenant"})),
      ingested_bytes_(metrics.AddCounter("lode_ingested_bytes_total",
                                         "Bytes of log lines accepted and stored, by tenant.",
                                         {"tenant"})),
      discarded_records_(metrics.AddCounter(
          "lode_discarded_samples_total",
          "Log records refused at ingest, by tenant and reason (line_too_long, rate_limited, ...).",
          {"tenant", "reason"})),
      pushes_(metrics.AddCounter("lode_pushes_total",
                                 "Pushes stored, by tenant and durability (durable, best-effort).",
                                 {"tenant", "durability"})),
      push_refused_(metrics.AddCounter(
          "lode_push_refused_total",
          "Pushes refused whole for a reason to retry (overloaded, rate_limited, stream_limit, "
          "unavailable), by tenant and reason.",
          {"tenant", "reason"})),
      truncated_lines_(metrics.AddCounter("lode_truncated_lines_total",
                                          "Lines cut to max_line_size at ingest, by tenant.",
                                          {"tenant"})) {}

const IngestLimits& Ingester::LimitsFor(const std::string& tenant) const {
  auto it = options_.tenant_limits.find(tenant);
  return it == options_.tenant_limits.end() ? options_.limits : it->second;
}

Durability Ingester::RequestedDurability(const IngestRequest& request) const {
  if (request.durability) return *request.durability;
  auto it = options_.protocol_durability.find(request.protocol);
  return it != options_.protocol_durability.end() ? it->second : options_.default_durability;
}

Status Ingester::CheckRequest(const IngestRequest& request) const {
  LODE_RETURN_IF_ERROR(ValidateTenant(request.tenant));
  if (!request.batch_id.empty()) LODE_RETURN_IF_ERROR(ValidateBatchId(request.batch_id));
  return Status::Ok();
}

Status Ingester::Ingest(const IngestRequest& request, std::vector<StreamBatch>& batches,
                        PushReport& report) {
  if (Status s = CheckRequest(request); !s.ok()) {
    RefuseAll(report, PushRefusal::kInvalid);
    return s;
  }
  const TimestampNs now = request.now != 0 ? request.now : NowNanos();
  const IngestLimits& limits = LimitsFor(request.tenant);
  ValidateStreams(batches, limits, now, report);
  Status s;
  if (!batches.empty()) {
    s = Admit(request, limits, batches, now, report);
    if (s.ok()) {
      Durability durability = DurabilityOf(request, batches);
      report.durable = durability == Durability::kDurable;
      s = sink_.Write(request.tenant, batches, durability, request.batch_id);
      if (!s.ok()) RefuseAll(report, SinkRefusal(s));
    }
  }
  Count(request.tenant, report);
  if (!s.ok() && report.refusal == PushRefusal::kFailed) {
    log::Error("ingest failed",
               {{"tenant", request.tenant}, {"protocol", request.protocol}, {"err", s.ToString()}});
  }
  return s;
}

Status Ingester::Admit(const IngestRequest& request, const IngestLimits& limits,
                       const std::vector<StreamBatch>& batches, TimestampNs now,
                       PushReport& report) {
  const std::string& tenant = request.tenant;
  if (!rate_limiter_.Allow(tenant, limits.ingestion_rate_bytes, limits.ingestion_burst_bytes,
                           report.accepted_bytes)) {
    Status refused = Status::RateLimited(
        "Ingestion rate limit exceeded for user " + tenant +
        " (limit: " + std::to_string(static_cast<uint64_t>(limits.ingestion_rate_bytes)) +
        " bytes/sec) while attempting to ingest '" + std::to_string(report.accepted_records) +
        "' lines totaling '" + std::to_string(report.accepted_bytes) +
        "' bytes, reduce log volume or ask for the limit to be raised");
    report.Reject("rate_limited", report.accepted_records, refused.message());
    RefuseAll(report, PushRefusal::kRateLimited);
    return refused;
  }
  Status admitted = stream_limiter_.Admit(tenant, batches, limits.max_global_streams_per_user, now);
  if (!admitted.ok()) {
    report.Reject("stream_limit", report.accepted_records, admitted.message());
    RefuseAll(report, PushRefusal::kStreamLimit);
  }
  return admitted;
}

Durability Ingester::DurabilityOf(const IngestRequest& request,
                                  const std::vector<StreamBatch>& batches) const {
  Durability durability = RequestedDurability(request);
  if (durability == Durability::kDurable) return durability;
  for (const StreamBatch& batch : batches) {
    for (const std::vector<Matcher>& selector : options_.durable_streams) {
      bool all = !selector.empty();
      for (const Matcher& m : selector) all = all && m.MatchesLabels(batch.labels);
      if (all) return Durability::kDurable;
    }
  }
  return durability;
}

void Ingester::Count(const std::string& tenant, const PushReport& report) {
  if (report.accepted_records > 0) {
    pushes_.With({tenant, report.durable ? "durable" : "best-effort"}).Inc();
    ingested_records_.With({tenant}).Inc(report.accepted_records);
    ingested_bytes_.With({tenant}).Inc(report.accepted_bytes);
  }
  for (const auto& [reason, count] : report.rejected_by_reason) {
    discarded_records_.With({tenant, reason}).Inc(count);
  }
  if (report.truncated_lines > 0) truncated_lines_.With({tenant}).Inc(report.truncated_lines);
  if (IsRetryable(report.refusal)) {
    push_refused_.With({tenant, std::string(PushRefusalName(report.refusal))}).Inc();
  }
}

}  // namespace lode
