// Record ids: a record whose structured metadata carries an id (under one
// of TenantLogOptions::record_id_keys) is stored once per stream within
// the window. These are the keys TenantLog remembers for that: a digest
// of (stream, id), so that ids are compared within their stream and
// memory does not grow with the ids' length.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "model/record.h"

namespace lode {

// A record that carries a record id: where it is, and its key.
struct RecordKey {
  size_t batch;     // index into the batches
  size_t entry;     // index into that batch's entries
  std::string key;  // a 16-byte digest; empty: repeats an earlier record of the call
};

// The keys of the batches' records that carry a record id (under the
// first of `names` present in their metadata), in batch and entry order.
std::vector<RecordKey> RecordKeys(const std::vector<StreamBatch>& batches,
                                  const std::vector<std::string>& names);

// The batches less the records marked in `dropped` (indexes into `keys`);
// streams left with no records are left out.
std::vector<StreamBatch> WithoutRecords(const std::vector<StreamBatch>& batches,
                                        const std::vector<RecordKey>& keys,
                                        const std::vector<char>& dropped);

}  // namespace lode
