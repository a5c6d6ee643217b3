// ClusterNode: a lode process as a member of a cluster. It connects to
// NATS JetStream (the ingest stream, the lease, member and catalog
// buckets) and to the bucket, keeps its leases (LeaseKeeper), runs a
// PartitionOwner per partition it holds, and offers the rest of the
// process what a single node's LocalStore offers:
//   - sink(): pushes go to the replicated ingest stream;
//   - storage(): reads across the cluster (ClusterStore): parts from the
//     bucket through the local block cache, records not yet in parts from
//     their partitions' owners;
//   - AnswerRecent(): what other members ask this one for
//     (/internal/v1/recent).
// Nothing on local disk matters: the cache and the flush directory are
// emptied at start.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "cluster/block_cache.h"
#include "cluster/catalog.h"
#include "cluster/cluster_options.h"
#include "cluster/lease_keeper.h"
#include "cluster/partition_owner.h"
#include "cluster/peer_protocol.h"
#include "cluster/replicated_sink.h"
#include "io/env.h"
#include "jetstream/nats_client.h"
#include "objstore/object_store.h"
#include "storage/local_part.h"
#include "storage/read_pool.h"
#include "storage/storage.h"
#include "storage/stream_index.h"

namespace lode {

// What a cluster-wide read found out about the records not yet in parts:
// per partition, the `covered` its owner answered with (nullopt: no owner
// answered), and what to tell the user about any gap.
struct RecentGathered {
  RecentAnswer answer;
  std::vector<std::optional<uint64_t>> covered;  // by partition
  std::vector<std::string> warnings;
};

struct ClusterStats {
  LeaseStats leases;
  ReplicatedSinkStats sink;
  BlockCacheStats cache;
  S3Stats s3;
  uint64_t partial_answers = 0;  // reads that could not reach some owner
  PartitionOwnerStats owners;    // summed over the partitions owned
};

class ClusterNode {
 public:
  // Connects to NATS and the bucket. `peers` reaches other members'
  // HTTP APIs.
  static Result<std::unique_ptr<ClusterNode>> Start(Env* env, const ClusterOptions& options,
                                                    PeerClient* peers);
  // Starts taking leases and owning partitions: once this member's HTTP
  // API answers, since other members then ask it for their records.
  void Activate();
  ~ClusterNode();

  // Leaves the cluster: with `hand_over`, what this node holds is written
  // as parts and its leases released, so others take over at once.
  void Stop(bool hand_over);

  IngestSink& sink();
  Storage& storage();
  const ClusterOptions& options() const { return options_; }

  // Answers another member's /internal/v1/recent body.
  Result<std::string> AnswerRecent(std::string_view body);

  // Counters and gauges, all cheap to read.
  ClusterStats Stats() const;
  // Stream sequences between the newest message of each owned partition
  // and the last one applied, summed: one JetStream request per
  // partition owned.
  uint64_t ConsumerLag() const;

  // For ClusterStore: the records not in parts, from every owner.
  RecentGathered GatherRecent(RecentKind kind, const SelectRequest& request);
  // The tenant's parts in [start, end) that hold records at or below each
  // partition's covered (all of them where it is unknown), opened, with
  // the streams they hold entered in the tenant's index.
  Result<std::vector<std::shared_ptr<const ReadablePart>>> PartsFor(
      const std::string& tenant, TimestampNs start, TimestampNs end,
      const std::vector<std::optional<uint64_t>>& covered);
  StreamIndex& IndexOf(const std::string& tenant);
  // The tenant's audit chains in every partition, as the catalog has them
  // (heads as of each partition's covered: the records in parts).
  Result<std::vector<AuditChain>> AuditChainsOf(const std::string& tenant);
  ReadPool* read_pool() { return read_pool_.get(); }
  void CountCorruptBlock() { corrupt_blocks_.fetch_add(1); }

 private:
  ClusterNode(Env* env, ClusterOptions options, PeerClient* peers);
  Status Join();
  bool StartOwner(uint32_t partition);
  void StopOwner(uint32_t partition, bool hand_over);
  std::shared_ptr<PartitionOwner> OwnerOf(uint32_t partition) const;
  RecentAnswer AnswerLocally(const RecentRequest& request);
  // The catalog's state of a partition: the polled copy, or a fresh read
  // when the copy is older than `at_least` covered.
  std::shared_ptr<const PartitionState> StateOf(uint32_t partition, uint64_t at_least);
  void RefreshCatalog();
  // Drops the open parts no partition lists any more (merged away,
  // expired).
  void ForgetUnlistedParts();
  Result<std::shared_ptr<const LocalPart>> OpenPart(uint32_t partition, const CatalogPart& part);

  Env* const env_;
  const ClusterOptions options_;
  PeerClient* const peers_;

  // Held while the member runs: one member per cache directory.
  std::unique_ptr<FileLock> cache_lock_;
  std::unique_ptr<NatsClient> nats_;
  std::unique_ptr<ObjectStore> bucket_;
  S3ObjectStore* s3_ = nullptr;  // bucket_, for its stats
  std::unique_ptr<KvBucket> leases_kv_, members_kv_, catalog_kv_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<BlockCache> cache_;
  std::unique_ptr<ReadPool> read_pool_;
  std::unique_ptr<ReplicatedSink> sink_;
  std::unique_ptr<Storage> store_;
  std::unique_ptr<LeaseKeeper> leases_;

  mutable Mutex owners_mu_;
  std::map<uint32_t, std::shared_ptr<PartitionOwner>> owners_ GUARDED_BY(owners_mu_);

  mutable Mutex catalog_mu_;
  std::vector<std::shared_ptr<const PartitionState>> states_ GUARDED_BY(catalog_mu_);
  CondVar refresh_cv_{catalog_mu_};
  std::atomic<bool> stop_watch_{false};
  std::thread watcher_;

  mutable Mutex parts_mu_;
  std::map<std::string, std::shared_ptr<const LocalPart>> open_parts_ GUARDED_BY(parts_mu_);
  std::map<std::string, std::unique_ptr<StreamIndex>> indexes_ GUARDED_BY(parts_mu_);

  // The counters of owners that stopped, so /metrics' counters never go
  // down when a partition moves.
  PartitionOwnerStats retired_ GUARDED_BY(owners_mu_);
  std::atomic<uint64_t> partial_answers_{0};
  std::atomic<uint64_t> corrupt_blocks_{0};
  bool stopped_ = false;
};

}  // namespace lode
