// The OrderedConsumer of NatsClient::ConsumeOrdered, on a pull consumer.
//
// It remembers the stream sequence after the last message it gave, and
// makes a new consumer on the server that starts there when its consumer
// is lost: the server that held it died (its heartbeats stop), deliveries
// were lost with a connection (a hole in the consumer's numbering of
// them), or it was removed after 30 s without a pull. Messages come
// without gaps or repeats whatever happens to the servers. A pull
// consumer rather than libnats' ordered push consumer, so that this is
// done here, in the open, and the server sends a batch of the size the
// caller wants when it asks for one, which is also the flow control of a
// long backlog (one round trip per batch).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "jetstream/nats_client.h"
#include "jetstream/nats_connection.h"

namespace lode {

Result<std::unique_ptr<OrderedConsumer>> NewNatsOrderedConsumer(
    std::shared_ptr<NatsConnection> connection, const std::string& stream,
    const std::string& subject, uint64_t start_sequence);

}  // namespace lode
