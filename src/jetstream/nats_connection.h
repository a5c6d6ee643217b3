// NatsConnection: a libnats connection and its JetStream context, shared
// (shared_ptr) by the client and every consumer, bucket and watcher made
// through it, so that none of them can outlive it whatever the order in
// which their owners drop them.
//
// libnats reconnects by itself, forever, to any of the servers; calls
// made meanwhile fail with Unavailable.
#pragma once

#include <nats/nats.h>

#include <memory>
#include <string_view>

#include "base/status.h"
#include "jetstream/nats_api.h"
#include "jetstream/nats_client.h"
#include "jetstream/nats_publisher.h"

namespace lode {

struct NatsCallbackGate;

class NatsConnection {
 public:
  // Connects to the first of options.servers that answers.
  static Result<std::shared_ptr<NatsConnection>> Open(const NatsOptions& options);
  ~NatsConnection();
  NatsConnection(const NatsConnection&) = delete;
  NatsConnection& operator=(const NatsConnection&) = delete;

  const NatsApi& api() const { return api_; }
  const NatsOptions& options() const { return options_; }
  natsConnection* nc() const { return nc_; }
  jsCtx* js() const { return js_; }
  AsyncPublisher& publisher() { return publisher_; }

  bool connected() const;
  // Unavailable, naming `context`, when not connected.
  Status CheckConnected(std::string_view context) const;

  NatsStats stats() const;

 private:
  NatsConnection(const NatsApi& api, const NatsOptions& options)
      : api_(api), options_(options), publisher_(api_, options_) {}

  const NatsApi& api_;
  const NatsOptions options_;
  AsyncPublisher publisher_;
  // libnats' callbacks reach this connection only through the gate,
  // which outlives it (see nats_connection.cc).
  NatsCallbackGate* gate_ = nullptr;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
};

}  // namespace lode
