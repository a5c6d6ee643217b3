// PartitionOwner: what the owner of one partition does while it holds
// the partition's lease. It fences the catalog (owner = this node, epoch
// + 1), consumes the partition's subject of the ingest stream in order
// from the sequence after the catalog's `covered`, holds the records in
// memory (a Head per tenant, as a single node's store does), and turns
// them into parts in the bucket: every tenant's records at once, each
// tenant's as one part per UTC day, uploaded whole, then named in the
// catalog with the new `covered` in one compare-and-set (catalog.h says
// why that puts every record in exactly one part).
//
// Queries ask it for the records it holds (CollectRecent), which are
// exactly those above the `covered` it answers with.
//
// A record id (structured metadata, as on a single node) seen in the
// records it holds is stored once.
//
// Audit chains: the owner links the records of audit streams as it
// applies them, in stream order (the one order every member agrees on);
// each flush names the chains' heads as of its last record in the same
// catalog write as its parts, so a new owner resuming after `covered`
// links the records after it exactly as the old one did.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "cluster/catalog.h"
#include "cluster/cluster_options.h"
#include "io/env.h"
#include "jetstream/nats_client.h"
#include "objstore/object_store.h"
#include "storage/head.h"
#include "storage/local_part.h"
#include "storage/recent_batches.h"
#include "storage/storage.h"

namespace lode {

struct PartitionOwnerStats {
  uint64_t applied_sequence = 0;  // the last stream sequence applied
  uint64_t covered = 0;           // the catalog's covered, as this owner last wrote it
  uint64_t head_records = 0;
  uint64_t head_bytes = 0;
  uint64_t parts_uploaded = 0;
  uint64_t bytes_uploaded = 0;
  uint64_t upload_failures = 0;
  uint64_t corrupt_messages = 0;
  uint64_t duplicate_records = 0;
  uint64_t merges = 0;
  uint64_t retention_removed_parts = 0;
  uint64_t objects_deleted = 0;
};

class PartitionOwner {
 public:
  struct Services {
    Env* env = nullptr;
    NatsClient* nats = nullptr;
    Catalog* catalog = nullptr;
    ObjectStore* bucket = nullptr;
    // Opens a part of the catalog for reading (through the block cache):
    // what merges read.
    std::function<Result<std::shared_ptr<const LocalPart>>(uint32_t, const CatalogPart&)> open_part;
  };

  // Takes `partition` over (the caller holds its lease) and starts
  // consuming. Conflict when another node fenced it at the same time.
  static Result<std::unique_ptr<PartitionOwner>> Start(const Services& services,
                                                       const ClusterOptions& options,
                                                       uint32_t partition);
  ~PartitionOwner();

  // Stops consuming. With `hand_over`, first writes what it holds as
  // parts, so the next owner need not read it again from the stream.
  void Stop(bool hand_over);

  // True once another node took the partition (a compare-and-set of the
  // catalog found another owner): the caller drops this owner.
  bool lost() const { return lost_.load(); }
  uint32_t partition() const { return partition_; }

  // How long one query's questions to this member's owners wait for them
  // to catch up: one deadline for all its partitions, and once the stream
  // could not tell a partition's last sequence (JetStream out of quorum or
  // out of reach), the others do not ask it either. Each such question can
  // take a request timeout, and a member asking over the network gives up
  // on the whole answer after its own timeout.
  struct CatchUp {
    std::chrono::steady_clock::time_point deadline;
    bool stream_answers = true;
  };
  // What a query needs from the owner: the held records of `request`'s
  // tenant that match it (keyed for a MergeIterator), and the `covered`
  // they are above, taken at one instant. First waits (until the
  // deadline) for the consumer to apply every message the stream held
  // when called, so a query sees every push acknowledged before it;
  // `caught_up` says whether it did.
  struct Recent {
    uint64_t covered = 0;
    bool caught_up = true;
  };
  Recent CollectRecent(const SelectRequest& request, CatchUp& catch_up,
                       std::vector<KeyedRecord>& out);
  // The same for series questions and timestamp scans.
  Recent CollectSeries(const SeriesRequest& request, CatchUp& catch_up,
                       std::map<std::string, SeriesInfo>* out);
  Recent ScanTimestamps(const SelectRequest& request, CatchUp& catch_up,
                        const std::function<void(const TimestampRun&)>& fn);

  PartitionOwnerStats Stats() const;

 private:
  PartitionOwner(const Services& services, const ClusterOptions& options, uint32_t partition);
  Status Fence();
  void Run();
  // Applies one message; false when it cannot be decoded (skipped).
  void Apply(const StreamMessage& message) EXCLUDES(mu_);
  bool ShouldFlush() const EXCLUDES(mu_);
  // Writes the held records as parts and names them in the catalog.
  Status Flush() EXCLUDES(mu_);
  Status Commit(const std::vector<CatalogPart>& parts, uint64_t last_seq,
                const std::vector<CatalogChain>& chains);
  // `batches` of `tenant` linked to the audit chains (chains begun for
  // audit streams that have none), pushed chain links dropped.
  std::vector<StreamBatch> LinkToChains(const std::string& tenant,
                                        const std::vector<StreamBatch>& batches) REQUIRES(mu_);
  // The records a stream held before its chain began here (in this
  // owner's heads and in the partition's parts): their count and newest
  // time. False when the parts could not be read.
  bool CountUnchained(const std::string& tenant, AuditChain& chain) REQUIRES(mu_);
  void MaybePurge();
  // Retention, deletes past their grace, and one merge: every
  // maintenance_interval (partition_maintenance.cc).
  void Maintain();
  Status ApplyRetentionAndDeletes();
  // Adds to `chains` the cuts removing the `expired` parts makes in them.
  Status RecordRetentionCuts(const std::vector<CatalogPart>& expired,
                             std::vector<CatalogChain>& chains, TimestampNs now_ns);
  Status MergeOnce();
  void WaitForSequence(uint64_t sequence, std::chrono::milliseconds wait, bool* caught_up);
  Recent CollectUnderLock(const std::function<void(const Head&, bool flushing)>& visit,
                          const std::string& tenant, CatchUp& catch_up);

  const Services services_;
  const ClusterOptions options_;
  const uint32_t partition_;
  const std::string stream_;
  const std::string subject_;
  const std::string work_dir_;

  uint64_t epoch_ = 0;  // written by Fence, before the thread starts
  std::atomic<bool> stop_{false};
  std::atomic<bool> hand_over_{false};
  std::atomic<bool> lost_{false};
  std::thread thread_;

  mutable Mutex mu_;
  CondVar applied_cv_{mu_};
  // The records held: per tenant, the live head, and the heads of a flush
  // not yet committed (still answered to queries).
  std::map<std::string, std::unique_ptr<Head>> heads_ GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<const Head>> flushing_ GUARDED_BY(mu_);
  std::map<std::string, RecentBatches> record_ids_ GUARDED_BY(mu_);
  // Audit chains by (tenant, stream text), heads as of applied_; and as of
  // flushing_last_, for the flush's catalog write.
  std::map<std::pair<std::string, std::string>, AuditChain> chains_ GUARDED_BY(mu_);
  std::vector<CatalogChain> chains_at_flush_ GUARDED_BY(mu_);
  uint64_t flushing_last_ GUARDED_BY(mu_) = 0;  // the last sequence in flushing_
  uint64_t applied_ GUARDED_BY(mu_) = 0;
  uint64_t covered_ GUARDED_BY(mu_) = 0;
  uint64_t head_bytes_ GUARDED_BY(mu_) = 0;
  uint64_t head_records_ GUARDED_BY(mu_) = 0;
  std::chrono::steady_clock::time_point first_insert_ GUARDED_BY(mu_);
  // (when committed, covered): what MaybePurge may discard once old enough.
  std::vector<std::pair<std::chrono::steady_clock::time_point, uint64_t>> commits_;
  uint64_t purged_ = 0;
  std::chrono::steady_clock::time_point next_maintenance_{};

  std::atomic<uint64_t> parts_uploaded_{0}, bytes_uploaded_{0}, upload_failures_{0},
      corrupt_messages_{0}, duplicate_records_{0}, merges_{0}, retention_removed_{0},
      objects_deleted_{0};
};

}  // namespace lode
