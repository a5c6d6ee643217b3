// Where the Ingester puts what it admitted. The embedded store is one
// sink (StorageSink); a replicated log that other nodes apply is another.
// Whatever the sink, a push is acknowledged only once Write returns OK.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/record.h"
#include "storage/storage.h"

namespace lode {

class IngestSink {
 public:
  virtual ~IngestSink() = default;

  // Takes the streams of one admitted push, all or nothing. Durable: OK
  // only once they survive a power loss (on this machine or by
  // replication). The sink owns de-duplication: a write whose non-empty
  // `batch_id` it already took is a success that stores nothing again,
  // and records whose record id (a structured metadata key named in its
  // options) it already holds are dropped. Errors as Storage::Append
  // gives them: RateLimited when it cannot take more now, Unavailable
  // when it takes no writes, IOError and the like when it failed.
  virtual Status Write(const std::string& tenant, const std::vector<StreamBatch>& batches,
                       Durability durability, std::string_view batch_id) = 0;
};

// The embedded store as a sink: writes are appends to it.
class StorageSink final : public IngestSink {
 public:
  explicit StorageSink(Storage& storage) : storage_(storage) {}

  Status Write(const std::string& tenant, const std::vector<StreamBatch>& batches,
               Durability durability, std::string_view batch_id) override {
    return storage_.Append(tenant, batches, durability, batch_id);
  }

 private:
  Storage& storage_;
};

}  // namespace lode
