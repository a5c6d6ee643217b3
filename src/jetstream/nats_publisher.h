// AsyncPublisher: publishes to JetStream without waiting for each ack
// (js_PublishMsgAsync), and delivers every ack or error to a callback.
//
// libnats calls one ack handler per JetStream context, with the message
// it was given; the publisher finds the message's callback in a map keyed
// by the message's address (entered before the message is sent, since
// its ack may come before js_PublishMsgAsync returns). The library's own
// timer fails a publish that has no ack within the request timeout.
//
// Thread-safe. Callbacks run on libnats' threads (the ack subscription's,
// or its timer's for a timeout), one at a time, without any lock of the
// publisher held: they may publish again. They must be quick (they delay
// the acks behind them) and must not call PublishAll (it would wait for
// acks this thread delivers: it fails at once instead).
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <functional>
#include <unordered_map>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "jetstream/nats_api.h"
#include "jetstream/nats_client.h"

namespace lode {

class AsyncPublisher {
 public:
  using Done = std::function<void(Result<PublishAck>)>;

  AsyncPublisher(const NatsApi& api, const NatsOptions& options) : api_(api), options_(options) {}
  AsyncPublisher(const AsyncPublisher&) = delete;
  AsyncPublisher& operator=(const AsyncPublisher&) = delete;

  // The connection and context to publish on; once, before Submit. The
  // context's ack handler must reach HandleAck (see NatsConnection).
  void Attach(natsConnection* nc, jsCtx* js) {
    nc_ = nc;
    js_ = js;
  }

  // Sends `message`; `done` runs later with its ack or error. When this
  // returns an error (not connected, a full window when
  // `enforce_window`), `done` never runs.
  Status Submit(const OutgoingMessage& message, Done done, bool enforce_window) EXCLUDES(mu_);

  std::vector<Result<PublishAck>> PublishAll(const std::vector<OutgoingMessage>& messages);

  // libnats' ack handler, through the connection's callback gate. Takes
  // ownership of `msg`.
  void HandleAck(natsMsg* msg, jsPubAck* ack, jsPubAckErr* error) EXCLUDES(mu_);

  // Fails every publish still waiting with `status` (the client closes).
  void FailAll(const Status& status) EXCLUDES(mu_);

  size_t in_flight() const EXCLUDES(mu_);
  uint64_t acked() const { return acked_.load(std::memory_order_relaxed); }
  uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }

 private:
  bool connected() const;

  const NatsApi& api_;
  const NatsOptions& options_;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  std::atomic<uint64_t> acked_{0};
  std::atomic<uint64_t> failed_{0};

  mutable Mutex mu_;
  // Keyed by the natsMsg libnats owns until it hands it back to HandleAck.
  std::unordered_map<const natsMsg*, Done> pending_ GUARDED_BY(mu_);
};

}  // namespace lode
