// The one road every push takes, whatever its protocol (Loki push, OTLP,
// /insert/*, syslog): the decoders turn bytes into streams; the Ingester
// checks them against the tenant's limits, takes them from the tenant's
// ingestion rate and active-stream allowance, decides their durability,
// hands them to the sink and counts the outcome in /metrics. Protocols
// only translate the outcome into their own answers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "base/status.h"
#include "ingest/ingest_limits.h"
#include "ingest/ingest_sink.h"
#include "ingest/rate_limiter.h"
#include "ingest/stream_limiter.h"
#include "model/matcher.h"
#include "model/push_report.h"
#include "model/record.h"

namespace lode {

struct IngesterOptions {
  // Checks on pushed streams and entries; a tenant listed in
  // tenant_limits has its own.
  IngestLimits limits;
  std::map<std::string, IngestLimits> tenant_limits;
  // The durability of a push that asks for none: by protocol (loki, otlp,
  // jsonl, plain, syslog), else the default. A push holding a stream that
  // matches one of durable_streams is durable whatever it asks.
  Durability default_durability = Durability::kBestEffort;
  std::map<std::string, Durability> protocol_durability;
  std::vector<std::vector<Matcher>> durable_streams;
};

// Who pushed, by which protocol, and what they asked for.
struct IngestRequest {
  std::string tenant;
  std::string protocol;                  // loki, otlp, jsonl, plain or syslog
  std::optional<Durability> durability;  // unset: the protocol's default
  std::string batch_id;                  // idempotency key, or empty
  TimestampNs now = 0;                   // receive time; 0: the clock's now
};

// Batch ids are 1 to 128 printable ASCII bytes.
Status ValidateBatchId(std::string_view batch_id);

class Ingester {
 public:
  // `sink` and `metrics` must outlive the Ingester.
  Ingester(IngestSink& sink, MetricsRegistry& metrics, IngesterOptions options);

  // The checks that need no body (tenant name, batch id), so that a
  // protocol can refuse a request before decoding it. InvalidArgument.
  Status CheckRequest(const IngestRequest& request) const;

  // Admits and stores decoded streams. Entries or streams that fail the
  // limits are removed from `batches` and reported, and the rest is
  // stored. An error refuses the whole push, with report.refusal saying
  // why: kInvalid (bad tenant or batch id), kRateLimited and
  // kStreamLimit (RateLimited: retry later), or the sink's error
  // (kOverloaded, kUnavailable, kFailed). Thread-safe.
  Status Ingest(const IngestRequest& request, std::vector<StreamBatch>& batches,
                PushReport& report);

  const IngestLimits& LimitsFor(const std::string& tenant) const;
  // The durability asked for, or the protocol's default.
  Durability RequestedDurability(const IngestRequest& request) const;

 private:
  // Takes the push from the tenant's rate and stream allowances.
  Status Admit(const IngestRequest& request, const IngestLimits& limits,
               const std::vector<StreamBatch>& batches, TimestampNs now, PushReport& report);
  // Durable when asked for or when a stream matches a durable rule.
  Durability DurabilityOf(const IngestRequest& request,
                          const std::vector<StreamBatch>& batches) const;
  // Counts a push's stored and refused records.
  void Count(const std::string& tenant, const PushReport& report);

  IngestSink& sink_;
  const IngesterOptions options_;
  IngestRateLimiter rate_limiter_;
  StreamLimiter stream_limiter_;

  CounterFamily& ingested_records_;
  CounterFamily& ingested_bytes_;
  CounterFamily& discarded_records_;
  CounterFamily& pushes_;
  CounterFamily& push_refused_;
  CounterFamily& truncated_lines_;
};

}  // namespace lode
