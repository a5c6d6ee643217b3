// NatsClient: what a cluster member needs of NATS JetStream, through
// libnats (opened at run time, see base/dynamic_library.h): one stream
// that replicates and acknowledges ingest, consumed in order per subject,
// and KV buckets (leases and the part catalog) with compare-and-set.
//
// The connection reconnects by itself to any of the servers; calls made
// while it is down fail with Unavailable (or wait up to the request
// timeout for it to come back). Thread-safe: every call may come from
// any thread. Consumers, buckets and watchers share the client's
// connection and may outlive it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace lode {

struct NatsOptions {
  std::vector<std::string> servers;  // nats://host:port
  std::string name;                  // the connection's name, seen by servers
  std::chrono::milliseconds connect_timeout{2000};
  // JetStream API calls and publish acknowledgements.
  std::chrono::milliseconds request_timeout{5000};
  // Publishes sent and not yet acknowledged, at most (PublishAsync).
  size_t max_publishes_in_flight = 4096;
};

using NatsHeaders = std::vector<std::pair<std::string, std::string>>;

struct StreamConfig {
  std::string name;
  std::vector<std::string> subjects;  // e.g. {"lode.ingest.>"}
  int replicas = 1;
  std::chrono::nanoseconds max_age{0};  // 0: keep until purged
  // Publishes with a Nats-Msg-Id seen within this window are stored once.
  std::chrono::nanoseconds duplicate_window{std::chrono::minutes(2)};
};

struct StreamState {
  uint64_t messages = 0;
  uint64_t bytes = 0;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  std::string leader;  // server name of the stream's leader
};

struct PublishAck {
  uint64_t sequence = 0;   // the stream sequence the message was stored at
  bool duplicate = false;  // its Nats-Msg-Id was seen within the window
};

struct OutgoingMessage {
  std::string subject;
  std::string data;
  NatsHeaders headers;
  std::string msg_id;  // Nats-Msg-Id; empty: none
};

struct StreamMessage {
  std::string subject;
  uint64_t sequence = 0;
  int64_t timestamp_ns = 0;  // when the stream stored it
  std::string data;
  NatsHeaders headers;
};

// An ordered, in-memory consumer of one subject from a start sequence:
// messages come in stream order, without gaps (it re-creates itself from
// the last sequence delivered after a server failure). Not thread-safe:
// one thread calls Next.
class OrderedConsumer {
 public:
  virtual ~OrderedConsumer() = default;
  // Up to `max` next messages; waits up to `wait` for the first (at least
  // 50 ms; 400 ms when nothing has shown its consumer on the server alive
  // for 5 s), and returns an empty vector when none came. Unavailable
  // when the stream has no leader or the connection is down for all of
  // `wait`: call again, it goes on from where it was.
  virtual Result<std::vector<StreamMessage>> Next(size_t max, std::chrono::milliseconds wait) = 0;
};

struct KvConfig {
  std::string bucket;
  int replicas = 1;
  // Entries not written again within ttl disappear (leases); 0: never.
  std::chrono::nanoseconds ttl{0};
};

// What the client has done since it connected, for /metrics.
struct NatsStats {
  uint64_t publishes = 0;       // acknowledged by the stream
  uint64_t publish_errors = 0;  // failed or not acknowledged in time (not RateLimited)
  uint64_t publishes_in_flight = 0;
  uint64_t disconnects = 0;
  uint64_t reconnects = 0;
};

struct KvEntry {
  std::string key;
  std::string value;
  uint64_t revision = 0;
  // Only from a watcher: the key was deleted or purged. An entry that
  // expires (KvConfig::ttl) gives watchers nothing: nats-server 2.9
  // removes it without writing a marker. Get and Create see it gone.
  bool deleted = false;
};

// Owns a consumer of the bucket's changes. Not thread-safe: one thread
// calls Next.
class KvWatcher {
 public:
  virtual ~KvWatcher() = default;
  // The next change; nullopt when none came within `wait`. It first
  // gives every key's current value, then changes as they happen.
  virtual Result<std::optional<KvEntry>> Next(std::chrono::milliseconds wait) = 0;
};

class KvBucket {
 public:
  virtual ~KvBucket() = default;
  // NotFound when the key does not exist (or was deleted, or expired).
  virtual Result<KvEntry> Get(const std::string& key) = 0;
  // Writes a key that must not exist (or was deleted, or expired);
  // Conflict when it exists. Returns the new revision.
  virtual Result<uint64_t> Create(const std::string& key, std::string_view value) = 0;
  // Writes a key whose revision must be `expected_revision`; Conflict
  // when it has changed (or the key is gone). Returns the new revision.
  virtual Result<uint64_t> Update(const std::string& key, std::string_view value,
                                  uint64_t expected_revision) = 0;
  // Writes unconditionally. Returns the new revision.
  virtual Result<uint64_t> Put(const std::string& key, std::string_view value) = 0;
  virtual Status Delete(const std::string& key) = 0;
  // Keys that exist now (none: empty).
  virtual Result<std::vector<std::string>> Keys() = 0;
  // Watches keys matching `pattern` ("p.*", ">" for all).
  virtual Result<std::unique_ptr<KvWatcher>> Watch(const std::string& pattern) = 0;
};

class NatsClient {
 public:
  // Loads libnats and connects to the first server that answers.
  // Unavailable when none does.
  static Result<std::unique_ptr<NatsClient>> Connect(const NatsOptions& options);
  virtual ~NatsClient() = default;

  virtual bool connected() const = 0;

  // Creates the stream, or updates an existing one to `config`.
  virtual Status EnsureStream(const StreamConfig& config) = 0;
  virtual Result<StreamState> GetStreamState(const std::string& stream) = 0;

  // Publishes every message at once and waits for all their acks (up to
  // the request timeout): one result per message, in order.
  virtual std::vector<Result<PublishAck>> PublishAll(
      const std::vector<OutgoingMessage>& messages) = 0;
  // Publishes without waiting; `done` runs later, on a library thread,
  // with the ack or the error (at most request_timeout later). RateLimited
  // (and `done` never runs) when max_publishes_in_flight are already
  // waiting for acks; another error returned here also means `done` never
  // runs. Callbacks run one at a time and should be quick; they may call
  // PublishAsync, but not PublishAll (it fails at once: it would wait for
  // acks that this thread delivers), and must not destroy the client.
  virtual Status PublishAsync(OutgoingMessage message,
                              std::function<void(Result<PublishAck>)> done) = 0;
  virtual size_t publishes_in_flight() const = 0;
  virtual NatsStats stats() const = 0;

  // The sequence of the last message of `subject` in `stream`; 0 when
  // it has none.
  virtual Result<uint64_t> LastSequence(const std::string& stream, const std::string& subject) = 0;
  // Consumes `subject` of `stream` in order, from `start_sequence`.
  virtual Result<std::unique_ptr<OrderedConsumer>> ConsumeOrdered(const std::string& stream,
                                                                  const std::string& subject,
                                                                  uint64_t start_sequence) = 0;
  // Removes the messages of `subject` below sequence `keep_from`.
  virtual Status Purge(const std::string& stream, const std::string& subject,
                       uint64_t keep_from) = 0;

  // Opens a KV bucket, creating it when it does not exist.
  virtual Result<std::unique_ptr<KvBucket>> OpenKv(const KvConfig& config) = 0;
};

}  // namespace lode
