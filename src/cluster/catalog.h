// The catalog: which parts hold which records. One KV entry per
// partition ("p.<n>" in the lode_catalog bucket) holds the partition's
// whole state, so that everything that changes it (an owner taking over,
// a flush adding parts, a merge replacing them, retention dropping them)
// is one compare-and-set on one key:
//
//   - `owner` and `epoch` fence: a node that takes a partition over first
//     writes itself as owner with epoch + 1; a former owner still running
//     (paused, cut off) then loses every later compare-and-set, so it can
//     add nothing the new owner would add again.
//   - `covered` is the highest ingest-stream sequence whose record is in
//     a part listed here. Parts are added only with a higher `covered`,
//     in the same write, so a record is in a listed part iff its sequence
//     is <= covered, and a new owner resumes at covered + 1: none lost,
//     none doubled.
//   - `doomed` lists objects no longer listed (merged away, retention),
//     with when; they are deleted from the bucket only after a grace
//     period, so a query that listed them before still reads them.
//
// The bucket's objects are written before the catalog names them, and a
// part object the catalog does not name (an upload whose compare-and-set
// lost) is garbage, deleted by its writer or a later sweep.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/record.h"
#include "storage/audit_chain.h"

namespace lode {

class KvBucket;

struct CatalogPart {
  std::string key;  // object key in the bucket
  std::string tenant;
  TimestampNs min_time = 0;
  TimestampNs max_time = 0;  // inclusive
  uint64_t records = 0;
  uint64_t size = 0;       // bytes of the object
  uint64_t first_seq = 0;  // the ingest-stream sequences it covers,
  uint64_t last_seq = 0;   // of its tenant's records in that range
  uint64_t id = 0;         // unique in the partition; larger = newer
};

struct DoomedObject {
  std::string key;
  int64_t since_unix_ms = 0;
};

// An audit chain of a tenant's stream in the partition: its head as of
// `covered` (the records in listed parts), and the cuts retention made.
struct CatalogChain {
  std::string tenant;
  AuditChain chain;
};

struct PartitionState {
  std::string owner;
  uint64_t epoch = 0;
  uint64_t covered = 0;
  uint64_t next_part_id = 1;
  std::vector<CatalogPart> parts;
  std::vector<DoomedObject> doomed;
  std::vector<CatalogChain> audit_chains;
};

std::string EncodePartitionState(const PartitionState& state);
// Corruption for bytes that are not a state (checksum, truncation).
Result<PartitionState> DecodePartitionState(std::string_view bytes);

// The KV key of a partition: "p.<n>".
std::string CatalogKey(uint32_t partition);

// A partition's state as read, with the revision an update must name.
struct VersionedState {
  PartitionState state;
  uint64_t revision = 0;  // 0: the key does not exist yet
};

class Catalog {
 public:
  explicit Catalog(KvBucket& bucket) : bucket_(bucket) {}

  // The partition's state; an empty state at revision 0 when it has none.
  Result<VersionedState> Load(uint32_t partition);
  // Writes `state` if the entry is still at `revision` (0: must not
  // exist). Conflict when another write came first. The new revision.
  Result<uint64_t> Store(uint32_t partition, const PartitionState& state, uint64_t revision);

 private:
  KvBucket& bucket_;
};

}  // namespace lode
