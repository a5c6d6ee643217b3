// TenantLog: one tenant's storage. Appends go to a write-ahead log and an
// in-memory head; the head is flushed into immutable part files (one per
// UTC day it spans) when it grows past a size or age limit, after which
// the WAL segments it covered are deleted.
//
// Writes use group commit: an append puts its frame in a shared pending
// buffer and its records in the head; whoever next takes the write mutex
// writes everything pending with one write(2) and, if a waiting append is
// durable, one fsync. Concurrent durable appends therefore share fsyncs.
//
// A head flush: (1) under both locks, take the pending frames and swap in
// an empty head; write and fsync those frames and roll the WAL, so the old
// head's records are exactly those in segments <= S; (2) write the parts,
// each recording S as its wal_checkpoint; (3) write the checkpoint file;
// (4) delete segments <= S. The checkpoint file also carries the ids of
// recent batches, whose WAL frames (which carry them too) are deleted. A crash before (3) leaves
// parts that recovery removes (the WAL still has their records); a crash after it leaves segments
// that recovery skips. Either way each record is recovered once.
//
// Reads take the heads and a PartSnapshot of the parts under mu_, the
// lock a flush publishes under, so that each record is seen once.
//
// Thread-safe. Lock order: flush_mu_, then write_mu_, then mu_.
//
// Audit chains (audit_chain.h): an append to an audit stream takes
// chain_mu_, links its records to the stream's chain and encodes them, and
// commits the new chain heads under mu_ together with its frame, so that
// a chain's order is its WAL order. A head flush's checkpoint records the
// chain heads as of the instant the head was taken; retention records the
// records it removes from a chain (a cut) in the checkpoint before it
// deletes their parts.
//
// The implementation is split by job: tenant_log.cc (open, close, stats,
// retention and merges), tenant_log_append.cc, tenant_log_audit.cc,
// tenant_log_flush.cc (head flushes and recovery), tenant_log_read.cc.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "io/env.h"
#include "storage/audit_chain.h"
#include "storage/checkpoint.h"
#include "storage/head.h"
#include "storage/part_set.h"
#include "storage/part_snapshot.h"
#include "storage/recent_batches.h"
#include "storage/storage.h"
#include "storage/wal/wal_writer.h"

namespace lode {

class ReadPool;

// A snapshot of what a tenant (or, summed, the store) holds.
struct StorageStats {
  uint64_t records = 0;
  uint64_t head_records = 0;
  uint64_t head_bytes = 0;
  uint64_t parts = 0;
  uint64_t part_bytes = 0;
  uint64_t corrupt_blocks = 0;
  uint64_t merges = 0;
  uint64_t flush_bytes = 0;              // part bytes written by head flushes
  uint64_t merge_bytes = 0;              // part bytes written by merges
  uint64_t retention_removed_parts = 0;  // store-wide only
  uint64_t retention_removed_bytes = 0;  // store-wide only
  uint64_t merges_running = 0;           // store-wide only: 0 or 1
  uint64_t appends_held = 0;             // store-wide only: waited for head room
  uint64_t appends_refused = 0;          // store-wide only: refused for lack of it
  uint64_t duplicate_records = 0;        // not stored: their record id was known

  void Add(const StorageStats& o) {
    records += o.records;
    head_records += o.head_records;
    head_bytes += o.head_bytes;
    parts += o.parts;
    part_bytes += o.part_bytes;
    corrupt_blocks += o.corrupt_blocks;
    merges += o.merges;
    flush_bytes += o.flush_bytes;
    merge_bytes += o.merge_bytes;
    duplicate_records += o.duplicate_records;
  }
};

struct TenantLogOptions {
  uint64_t segment_size_limit = 64ull << 20;
  // Best-effort frames pending beyond this many bytes are written out
  // (without fsync) by the appender itself, bounding the buffer.
  size_t max_pending_bytes = 4u << 20;
  // The head is flushed to parts past this size or age.
  uint64_t max_head_bytes = 32ull << 20;
  std::chrono::milliseconds max_head_age{std::chrono::minutes(10)};
  // Close flushes the head into parts (a fast restart) unless false, in
  // which case the head stays in the WAL and is replayed on open.
  bool flush_head_on_close = true;
  // Called (with no lock of the tenant held) after a write opened the
  // WAL segment's file: the store keeps the number of open WAL files
  // within its budget (TenantLog::CloseWalFile). False: far past it, the
  // file is synced and closed again at once.
  std::function<bool()> wal_file_opened;
  // How long, and how many, batch ids are remembered for de-duplication.
  RecentBatchesOptions batch_ids;
  // A record whose structured metadata has one of these names carries a
  // record id (the first one present): a record with the id of one stored
  // in the same stream within the window is not stored again. Records
  // without one are never compared.
  std::vector<std::string> record_id_keys = {"log_record_uid", "record_id"};
  RecentBatchesOptions record_ids;
  // Streams matching any of these selectors are audit streams: their
  // records are hash-chained (audit_chain.h). A stream that has a chain
  // keeps it even when no selector matches it any more.
  std::vector<std::vector<Matcher>> audit_streams;
  // Opens the tenant to read it as it is on disk: nothing is written,
  // removed or truncated (what recovery would clean up is passed over),
  // and appends, flushes and retention are refused.
  bool read_only = false;
  part::PartWriterOptions part;
  // Merges take between these many parts of one day (see PickMergeInputs);
  // merged parts are compressed at merge_zstd_level.
  // Eight or more at once: a byte is rewritten fewer times (see
  // PickMergeInputs) for a few more parts between merges.
  size_t merge_min_parts = 8;
  size_t merge_max_parts = 16;
  int merge_zstd_level = 6;
  // When no merge is due, a day whose records are all older than
  // cold_after is rewritten once as one part at cold_zstd_level with
  // larger blocks (part::ColdWriterOptions); 0 turns it off.
  std::chrono::nanoseconds cold_after = std::chrono::hours(24);
  int cold_zstd_level = 19;
  // A day of at most small_day_raw_bytes of lines is compacted so once its
  // newest record is small_day_cold_after old: compressing it costs little
  // (about 2.5 s of a core for 16 MiB), and a small store then costs less
  // than zstd -9 of its logs within minutes, not a day, of them arriving.
  // Data arriving later merges with the cold part and is compacted again
  // after the same quiet time.
  uint64_t small_day_raw_bytes = 16u << 20;
  std::chrono::nanoseconds small_day_cold_after = std::chrono::minutes(10);
  // Decodes and filters part blocks for queries (not owned; null: the
  // querying thread does).
  ReadPool* read_pool = nullptr;
};

class TenantLog {
 public:
  // Opens the tenant rooted at `dir` (wal/, parts/, checkpoint), removing
  // what an interrupted flush left and replaying the WAL segments after
  // the checkpoint (a torn or corrupt tail is cut where it starts).
  static Result<std::unique_ptr<TenantLog>> Open(Env* env, std::string tenant, std::string dir,
                                                 const TenantLogOptions& options);

  // See Storage::Append for `batch_id`.
  Status Append(const std::vector<StreamBatch>& batches, Durability durability,
                std::string_view batch_id = {});
  // Writes and fsyncs everything pending.
  Status Flush();
  // Closes the WAL segment's file if everything written to it is synced
  // (the next write opens it again); true if it was closed. The store
  // calls it for idle tenants, so that thousands of them do not hold a
  // descriptor each.
  bool CloseWalFile();
  // Whether the WAL segment's file is open, and when it was last written
  // (steady clock, ns).
  bool wal_file_open() const { return wal_file_open_.load(std::memory_order_relaxed); }
  int64_t last_wal_write() const { return last_wal_write_.load(std::memory_order_relaxed); }
  // Flushes the head to parts if it is over its limits (or `force` and
  // not empty). Called by the store's background thread and on Close.
  Status MaybeFlushHead(bool force);
  // The last flush compresses at `last_flush_zstd_level` (0: the merge
  // level). Without `flush_head`, the head stays in the WAL (synced) and
  // is replayed by the next open.
  Status Close(int last_flush_zstd_level = 0, bool flush_head = true);
  // True after a head flush failed, until one succeeds: the head then
  // cannot shrink, so the store neither waits on it nor lets it starve
  // other tenants of head memory.
  bool head_flush_failing() const { return flush_failures_.load() > 0; }
  // True when the last head flush failed for want of disk space.
  bool head_flush_out_of_space() const { return flush_no_space_.load(); }
  // True while the background flusher should leave this head alone after
  // failures (exponential backoff, so a full disk is not retried in a
  // hot loop).
  bool flush_backing_off() const;

  // Deletes parts past the retention age or beyond the size limit (see
  // PartSet::ApplyRetention); `max_age_ns` 0 keeps any age.
  PartSet::Removed ApplyRetention(int64_t max_age_ns, uint64_t max_bytes);

  // One background merge of small parts, if any day has enough of them.
  // `cancel` (may be null) abandons a merge in progress once true.
  Result<bool> MaybeMergeParts(const std::atomic<bool>* cancel = nullptr);

  // The matching records in time order (ties: parts, then the head being
  // flushed, then the live head; append order within each). The head's
  // matching records are copied; part blocks are read as the iterator
  // reaches them. The iterator holds its own references to the parts.
  std::unique_ptr<RecordIterator> Select(const SelectRequest& request);
  // The timestamps of matching records in the range (Storage::ScanTimestamps).
  Status ScanTimestamps(const SelectRequest& request,
                        const std::function<void(const TimestampRun&)>& fn);
  // The streams with records in the range (Storage::Series).
  std::vector<SeriesInfo> Series(const SeriesRequest& request);

  // The tenant's audit chains: heads as of every append so far (count
  // the records chained, synced or not), and the cuts retention made.
  std::vector<AuditChain> AuditChains() const;

  const std::string& tenant() const { return tenant_; }
  uint64_t record_count() const;
  // Memory held by the head and by a head being flushed.
  uint64_t head_bytes() const;
  StorageStats Stats() const;
  const PartSet& parts() const { return *parts_; }

 private:
  TenantLog(Env* env, std::string tenant, std::string dir, const TenantLogOptions& options);

  // What a read holds: the heads and the parts as of one instant.
  struct ReadView {
    std::shared_ptr<const Head> flushing;  // null: no head being flushed
    PartSnapshot parts;
  };
  // Takes the heads and the part list together, under mu_ where a flush
  // publishes, so that a read sees each record once; `read_live_head`
  // reads the live head meanwhile. The parts' streams are matched
  // against `matchers` after the lock.
  ReadView TakeReadView(const std::vector<Matcher>& matchers,
                        const std::function<void(const Head&)>& read_live_head);

  Status Recover(uint64_t& next_segment) REQUIRES(flush_mu_) EXCLUDES(mu_);
  // Writes the checkpoint file: segments <= `covered` are in parts, the
  // recent ids as of now, and `chains` (which become persisted_chains_).
  Status WriteCheckpointFile(uint64_t covered, std::vector<AuditChain> chains) REQUIRES(flush_mu_)
      EXCLUDES(mu_);

  // Audit chains (tenant_log_audit.cc).
  // What an append must do for audit chains: nothing, drop chain link
  // entries pushed by a client, or (also) link records of audit streams
  // (a selector matches the stream, or it has a chain).
  enum class ChainWork { kNone, kStrip, kLink };
  ChainWork ChainWorkFor(const std::vector<StreamBatch>& batches) const EXCLUDES(mu_);
  // `batches` with every record of an audit stream linked to its chain
  // (chains_ as they stand, advanced in `heads`, keyed by stream text),
  // and chain link entries pushed in other streams dropped.
  // Begins the chains of the batches' audit streams that have none: the
  // checkpoint file records each (and the records its stream already
  // held) before any record is linked. Called with chain_mu_ held.
  Status BeginChains(const std::vector<StreamBatch>& batches) EXCLUDES(flush_mu_, mu_);
  // Called with chain_mu_ held when there is linking to do.
  std::vector<StreamBatch> LinkToChains(const std::vector<StreamBatch>& batches,
                                        std::map<std::string, AuditChain>& heads) const
      EXCLUDES(mu_);
  // Makes `heads` (from LinkToChains) the chains' heads; chain_mu_ held.
  void CommitChainHeads(std::map<std::string, AuditChain>& heads) REQUIRES(mu_);
  // Advances the chains past the links of replayed records.
  void ReplayChainLinks(const std::vector<StreamBatch>& batches) REQUIRES(mu_);
  // The cuts retention makes in chains by removing `parts` (into `cuts`,
  // by stream), written to the checkpoint; the caller adds them to
  // chains_ as it takes the parts out of the set.
  Status RecordRetentionCuts(const std::vector<std::shared_ptr<const LocalPart>>& parts,
                             std::map<std::string, std::vector<RetentionCut>>& cuts)
      REQUIRES(flush_mu_) EXCLUDES(mu_);
  std::set<std::string> ChainedStreams() const EXCLUDES(mu_);
  bool HoldsChainedStream(const LocalPart& part) const EXCLUDES(mu_);
  // Without chain links (unless the request keeps them).
  std::unique_ptr<RecordIterator> HideChainLinks(const SelectRequest& request,
                                                 std::unique_ptr<RecordIterator> it) const;
  std::function<void(const TimestampRun&)> HideChainLinks(
      const SelectRequest& request, const std::function<void(const TimestampRun&)>& fn) const;
  // MaybeFlushHead under flush_mu_.
  Status FlushHead(bool force) REQUIRES(flush_mu_) EXCLUDES(write_mu_, mu_);
  // Remembers the record ids of replayed batches (durable: frame 0).
  void RememberRecordIds(const std::vector<StreamBatch>& batches) REQUIRES(mu_);
  // Takes write_mu_; writes what is pending and, if `sync`, fsyncs it.
  // With `rolled_segment`, also swaps the head into flushing_ at the
  // instant the frames are taken, and rolls the WAL (returning the index
  // of the closed segment): the basis of a head flush.
  Status WritePending(bool sync, uint64_t* rolled_segment = nullptr) EXCLUDES(write_mu_, mu_);
  // WritePending but for telling the store of a WAL file opened.
  Status WritePendingLocked(bool sync, uint64_t* rolled_segment, bool& opened_file)
      EXCLUDES(write_mu_, mu_);
  std::string WalDir() const;
  std::string CheckpointPath() const;

  Env* const env_;
  const std::string tenant_;
  const std::string dir_;
  const TenantLogOptions options_;

  Mutex flush_mu_;                           // one head flush at a time
  std::atomic<int> flush_failures_{0};       // consecutive failed head flushes
  std::atomic<bool> flush_no_space_{false};  // the last flush failed with NoSpace
  std::atomic<int64_t> flush_retry_at_{0};   // steady_clock ns; see flush_backing_off
  // Set by Close: the last flush writes its parts as a merge would.
  std::atomic<bool> closing_{false};
  int close_zstd_level_ = 0;  // set by Close before closing_
  Mutex write_mu_;            // serialises WAL writes
  std::unique_ptr<wal::WalWriter> wal_ GUARDED_BY(write_mu_);
  std::atomic<bool> wal_file_open_{false};  // wal_->file_open(), read without write_mu_
  std::atomic<int64_t> last_wal_write_{0};  // steady clock ns
  std::unique_ptr<PartSet> parts_;
  uint64_t checkpoint_ GUARDED_BY(flush_mu_) = 0;
  // The audit chains as the checkpoint file has them.
  std::vector<AuditChain> persisted_chains_ GUARDED_BY(flush_mu_);

  // Taken by appends with audit streams, before mu_.
  Mutex chain_mu_;

  mutable Mutex mu_;
  // Frames not yet written, each its own string: appending one copies
  // nothing, and WritePending writes them in one vectored write.
  std::vector<std::string> pending_ GUARDED_BY(mu_);
  size_t pending_bytes_ GUARDED_BY(mu_) = 0;
  uint64_t appended_frames_ GUARDED_BY(mu_) = 0;  // frames ever added to pending_
  uint64_t synced_frames_ GUARDED_BY(mu_) = 0;    // frames fsynced
  Status failed_ GUARDED_BY(mu_);  // sticky: after an I/O error the log refuses writes
  // After a write failed for want of space, appends are refused until
  // then (Monotonic clock); a successful sync clears it.
  static constexpr std::chrono::seconds kNoSpaceRetry{1};
  std::chrono::steady_clock::time_point no_space_until_ GUARDED_BY(mu_);
  std::unique_ptr<Head> head_ GUARDED_BY(mu_);
  std::shared_ptr<const Head> flushing_ GUARDED_BY(mu_);  // immutable contents
  uint64_t part_records_ GUARDED_BY(mu_) = 0;
  RecentBatches recent_batches_ GUARDED_BY(mu_);
  RecentBatches recent_records_ GUARDED_BY(mu_);  // keys from RecordIdKey
  uint64_t duplicate_records_ GUARDED_BY(mu_) = 0;
  // Audit chains by stream text; chains_at_roll_: as they were when the
  // head being flushed was taken.
  std::map<std::string, AuditChain> chains_ GUARDED_BY(mu_);
  std::vector<AuditChain> chains_at_roll_ GUARDED_BY(mu_);
  std::atomic<bool> has_chains_{false};  // !chains_.empty()
};

}  // namespace lode
