// PartSet: the published parts of one tenant, under
// <tenant>/parts/<YYYY-MM-DD>/<seq>.part (one directory per UTC day):
// writing them, merging them (part_merge.h, which knows nothing of the
// set), retention, and the list readers take a snapshot of.
// Thread-safe: writers add parts while readers collect from a snapshot.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "io/env.h"
#include "storage/head.h"
#include "storage/local_part.h"
#include "storage/part/part_reader.h"
#include "storage/part/part_writer.h"
#include "storage/stream_index.h"

namespace lode {

class PartSet {
 public:
  // Opens every part under `dir`. Temporary files left by a crash are
  // removed, and so are parts of a flush that never reached its checkpoint
  // (wal_checkpoint above `checkpoint`): their records are still in the
  // WAL. A part that cannot be opened is logged and left in place.
  // `read_only`: nothing is created or removed; what would be removed is
  // left out of the set.
  static Result<std::unique_ptr<PartSet>> Open(Env* env, std::string tenant, std::string dir,
                                               uint64_t checkpoint, bool read_only = false);

  // Writes one part per day of `days` (not yet visible to readers). On
  // failure, the parts this call already wrote are removed.
  Result<std::vector<std::shared_ptr<const LocalPart>>> Write(
      const std::map<int64_t, std::vector<part::StreamRecords>>& days, uint64_t wal_checkpoint,
      const part::PartWriterOptions& options);

  // Makes written parts visible to readers.
  void Publish(std::vector<std::shared_ptr<const LocalPart>> parts);

  struct Removed {
    uint64_t parts = 0;
    uint64_t bytes = 0;
    uint64_t records = 0;
  };
  // Retention: unpublishes and deletes every part whose newest record is
  // before `min_time`, then the oldest parts (by time) while the total
  // size exceeds `max_bytes` (0: no limit). Readers holding a snapshot
  // keep reading the files they opened.
  Removed ApplyRetention(TimestampNs min_time, uint64_t max_bytes);
  // ApplyRetention in steps: Expired names the parts it would delete;
  // Unpublish takes those of them still published (a merge may have
  // replaced some meanwhile) out of the set; RemoveParts deletes them;
  // Restore publishes them again instead. TakeExpired: the first two.
  std::vector<std::shared_ptr<const LocalPart>> Expired(TimestampNs min_time,
                                                        uint64_t max_bytes) const;
  std::vector<std::shared_ptr<const LocalPart>> Unpublish(
      const std::vector<std::shared_ptr<const LocalPart>>& parts);
  std::vector<std::shared_ptr<const LocalPart>> TakeExpired(TimestampNs min_time,
                                                            uint64_t max_bytes);
  Removed RemoveParts(const std::vector<std::shared_ptr<const LocalPart>>& parts);
  void Restore(std::vector<std::shared_ptr<const LocalPart>> parts);

  // Removes parts that were written but will not be published.
  void Discard(const std::vector<std::shared_ptr<const LocalPart>>& parts);

  // The published parts now (in sequence order), for a reader to hold
  // while it reads them.
  std::vector<std::shared_ptr<const ReadablePart>> Snapshot() const;

  uint64_t record_count() const;

  // Merges the smallest parts of one day (see PickMergeInputs) into one,
  // if some day has enough of them: one merge per call. The new part is
  // published and its inputs deleted in one step for readers; a crash in
  // between is resolved on open by the new part's `replaces` list.
  // Returns whether a merge happened.
  Result<bool> MaybeMerge(size_t min_parts, size_t max_parts,
                          const part::PartWriterOptions& options,
                          const std::atomic<bool>* cancel = nullptr);

  // Cold compaction: rewrites the parts of one day whose records all
  // precede `older_than` as one part with `options` (ColdWriterOptions),
  // unless the day is one part already written so; one day per call.
  // A small day (at most `small_raw_bytes` of lines) qualifies once its
  // records all precede `small_older_than`.
  // Published as a merge is. Returns whether a day was compacted.
  Result<bool> MaybeCompactCold(TimestampNs older_than, TimestampNs small_older_than,
                                uint64_t small_raw_bytes, size_t max_parts,
                                const part::PartWriterOptions& options,
                                const std::atomic<bool>* cancel = nullptr);

  uint64_t merges() const;
  uint64_t merge_bytes_written() const;
  uint64_t cold_compactions() const;
  uint64_t flush_bytes_written() const;

  size_t part_count() const;
  uint64_t disk_bytes() const;
  uint64_t corrupt_blocks() const;
  void CountCorruptBlock();
  // Every stream of every part opened or written so far.
  const StreamIndex& stream_index() const { return stream_index_; }

 private:
  // The published parts grouped by their day's directory.
  std::map<std::string, std::vector<std::shared_ptr<const LocalPart>>> PartsByDay() const;
  // Writes `inputs` (parts of the day in `day_dir`) as one new part and
  // swaps it in for them.
  Status MergeAndPublish(const std::string& day_dir,
                         const std::vector<std::shared_ptr<const LocalPart>>& inputs,
                         const part::PartWriterOptions& options, const std::atomic<bool>* cancel);

  PartSet(Env* env, std::string tenant, std::string dir)
      : env_(env), tenant_(std::move(tenant)), dir_(std::move(dir)) {}
  // An opened part with its streams entered in the index.
  std::shared_ptr<const LocalPart> Adopt(uint64_t seq, std::unique_ptr<part::PartReader> reader);

  Env* const env_;
  const std::string tenant_;
  const std::string dir_;
  StreamIndex stream_index_;

  mutable Mutex mu_;
  std::vector<std::shared_ptr<const LocalPart>> parts_ GUARDED_BY(mu_);  // in seq order
  uint64_t next_seq_ GUARDED_BY(mu_) = 1;
  mutable uint64_t corrupt_blocks_ GUARDED_BY(mu_) = 0;
  uint64_t merges_ GUARDED_BY(mu_) = 0;
  uint64_t merge_bytes_ GUARDED_BY(mu_) = 0;
  uint64_t cold_compactions_ GUARDED_BY(mu_) = 0;
  uint64_t flush_bytes_ GUARDED_BY(mu_) = 0;
};

// "2024-05-01" for a day number (days since the epoch, UTC).
std::string DayDirName(int64_t day);

}  // namespace lode
