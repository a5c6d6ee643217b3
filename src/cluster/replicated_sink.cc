#include "cluster/replicated_sink.h"

#include <xxhash.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "base/log.h"
#include "cluster/ingest_message.h"
#include "cluster/partitioning.h"

namespace lode {
namespace {

std::string DigestId(std::string_view body) {
  XXH128_hash_t h = XXH3_128bits(body.data(), body.size());
  char buf[40];
  std::snprintf(buf, sizeof(buf), "d%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

}  // namespace

Status ReplicatedSink::Write(const std::string& tenant, const std::vector<StreamBatch>& batches,
                             Durability durability, std::string_view batch_id) {
  std::vector<OutgoingMessage> messages;
  for (const auto& [partition, group] : SplitByPartition(tenant, batches, partitions_)) {
    OutgoingMessage m;
    m.subject = IngestSubject(name_, partition);
    m.data = EncodeIngestMessage(tenant, group);
    // The tenant is in the body, so a digest of it is unique per tenant;
    // a batch id is the client's, so it is qualified by tenant and
    // partition (one push is one message per partition).
    m.msg_id = batch_id.empty()
                   ? DigestId(m.data)
                   : "b/" + tenant + "/" + std::string(batch_id) + "/" + std::to_string(partition);
    messages.push_back(std::move(m));
  }
  if (messages.empty()) return Status::Ok();

  if (durability == Durability::kDurable) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<Result<PublishAck>> acks = nats_.PublishAll(messages);
    Status first_error;
    for (const auto& ack : acks) {
      if (!ack.ok()) {
        failures_.fetch_add(1);
        if (first_error.ok()) first_error = ack.status();
        continue;
      }
      messages_.fetch_add(1);
      if (ack->duplicate) duplicates_.fetch_add(1);
    }
    latency_us_.fetch_add(std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count());
    durable_pushes_.fetch_add(1);
    if (!first_error.ok()) {
      // The client retries the whole push; the message ids make the
      // messages already stored count once.
      return Status::Unavailable("the replicated ingest log did not acknowledge the push: " +
                                 first_error.message());
    }
    return Status::Ok();
  }

  // Best effort: room for every message first, so a push is sent whole
  // or refused whole.
  const uint64_t n = messages.size();
  if (in_flight_.fetch_add(n) + n > window_) {
    in_flight_.fetch_sub(n);
    refused_.fetch_add(1);
    return Status::RateLimited(
        "too many pushes waiting for the replicated ingest log; retry later");
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    Status s = nats_.PublishAsync(std::move(messages[i]), [this](Result<PublishAck> ack) {
      in_flight_.fetch_sub(1);
      if (ack.ok()) {
        messages_.fetch_add(1);
        if (ack->duplicate) duplicates_.fetch_add(1);
      } else {
        failures_.fetch_add(1);
        log::Warn("best-effort publish failed", {{"err", ack.status().ToString()}});
      }
    });
    if (!s.ok()) {
      in_flight_.fetch_sub(messages.size() - i);
      refused_.fetch_add(1);
      return s.code() == StatusCode::kRateLimited
                 ? s
                 : Status::Unavailable("cannot publish to the replicated ingest log: " +
                                       s.message());
    }
  }
  return Status::Ok();
}

ReplicatedSinkStats ReplicatedSink::Stats() const {
  ReplicatedSinkStats s;
  s.messages = messages_.load();
  s.duplicates = duplicates_.load();
  s.failures = failures_.load();
  s.refused = refused_.load();
  s.in_flight = in_flight_.load();
  s.ack_latency_us_sum = latency_us_.load();
  s.durable_pushes = durable_pushes_.load();
  return s;
}

}  // namespace lode
