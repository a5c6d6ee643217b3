// The checkpoint file of a tenant: which WAL segments are covered by parts,
// and the idempotency keys of recently stored batches and records, so that a
// retried batch is recognised even after its WAL segment is gone, and where
// each audit chain stands. Written atomically after every head flush (and
// after retention cuts an audit chain). Format in docs/format/checkpoint.md.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "io/env.h"
#include "storage/audit_chain.h"

namespace lode {

struct Checkpoint {
  uint64_t wal_checkpoint = 0;
  // (batch id, wall-clock ns when stored), oldest first.
  std::vector<std::pair<std::string, int64_t>> batch_ids;
  // (record key, wall-clock ns when stored), oldest first: the digests of
  // recently stored records' ids (RecordIdKey in tenant_log.cc).
  std::vector<std::pair<std::string, int64_t>> record_ids;
  // The audit chains as of wal_checkpoint: their heads count exactly the
  // records in parts, and the cuts retention made.
  std::vector<AuditChain> audit_chains;
};

// A missing file is an empty checkpoint; a damaged one is Corruption.
Result<Checkpoint> ReadCheckpoint(Env* env, const std::string& path);
Status WriteCheckpoint(Env* env, const std::string& path, const Checkpoint& checkpoint);

}  // namespace lode
