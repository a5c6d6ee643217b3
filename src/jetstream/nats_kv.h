// The KvBucket and KvWatcher of NatsClient::OpenKv: a JetStream KV bucket
// (stream KV_<bucket>, one message per key on subject $KV.<bucket>.<key>,
// its stream sequence the key's revision).
//
// Reads and conditional writes are done here, not by libnats' kvStore_*:
// kvStore_Create and kvStore_Update report a lost compare-and-set only as
// text, where js_PublishMsg gives the JetStream error code (10071, wrong
// last sequence), and kvStore_Get reads from any replica of a bucket
// that allows direct gets (every bucket libnats 3.4 creates), so a value
// just written could read as the one before; js_GetLastMsg asks the
// stream's leader. Delete, Keys and Watch are libnats'.
#pragma once

#include <memory>
#include <string_view>

#include "base/status.h"
#include "jetstream/nats_client.h"
#include "jetstream/nats_connection.h"

namespace lode {

// Binds the bucket, or creates it when it does not exist. An existing
// bucket keeps its configuration.
Result<std::unique_ptr<KvBucket>> OpenNatsKv(std::shared_ptr<NatsConnection> connection,
                                             const KvConfig& config);

// Whether `key` may name a KV key: letters, digits and -/_=. , not
// starting or ending with a dot.
bool IsValidKvKey(std::string_view key);

}  // namespace lode
