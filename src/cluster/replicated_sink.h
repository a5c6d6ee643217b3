// ReplicatedSink: the cluster's IngestSink. A push's streams are grouped
// by partition and published to the ingest stream, one message per
// partition. Durable pushes are answered once JetStream acknowledged every
// message (stored by a quorum of the stream's replicas); best-effort ones
// once the messages are sent, within a bounded window of publishes
// waiting for acks, and refused (RateLimited, HTTP 429) when it is full.
//
// Every message carries a Nats-Msg-Id: from X-Lode-Batch-Id when the push
// has one, else a digest of the message itself, so the stream stores a
// retried push once within its duplicate window either way (an identical
// message is the same records, which Loki too stores once).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "cluster/cluster_options.h"
#include "ingest/ingest_sink.h"
#include "jetstream/nats_client.h"

namespace lode {

struct ReplicatedSinkStats {
  uint64_t messages = 0;            // published and acknowledged
  uint64_t duplicates = 0;          // acknowledged as already stored
  uint64_t failures = 0;            // publishes that failed
  uint64_t refused = 0;             // pushes refused for a full window
  uint64_t in_flight = 0;           // best-effort publishes waiting for acks
  uint64_t ack_latency_us_sum = 0;  // durable pushes: until every ack
  uint64_t durable_pushes = 0;
};

class ReplicatedSink final : public IngestSink {
 public:
  ReplicatedSink(NatsClient& nats, const ClusterOptions& options)
      : nats_(nats),
        name_(options.name),
        partitions_(options.partitions),
        window_(options.max_publishes_in_flight) {}

  Status Write(const std::string& tenant, const std::vector<StreamBatch>& batches,
               Durability durability, std::string_view batch_id) override;

  ReplicatedSinkStats Stats() const;

 private:
  NatsClient& nats_;
  const std::string name_;
  const uint32_t partitions_;
  const size_t window_;
  std::atomic<uint64_t> in_flight_{0};
  std::atomic<uint64_t> messages_{0}, duplicates_{0}, failures_{0}, refused_{0}, latency_us_{0},
      durable_pushes_{0};
};

}  // namespace lode
