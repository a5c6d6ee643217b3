// PartSnapshot: a tenant's parts as one read sees them: the list taken at
// one instant, and which streams the read wants. It holds its parts, so
// a merge or retention that drops one meanwhile does not pull it from
// under the read (LevelDB's Version plays this role for its tables).
//
// Reads of parts go through its block visitor: every block of a wanted
// stream that overlaps a time range, found from part and block summaries
// alone. The snapshot knows parts only as ReadableParts, so the reads
// built on it (MergeIterator, the series and timestamp scans below) work
// the same wherever a part's bytes live.
//
// Immutable after construction; safe to use from several threads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "storage/readable_part.h"
#include "storage/storage.h"

namespace lode {

class ReadPool;

class PartSnapshot {
 public:
  using Parts = std::vector<std::shared_ptr<const ReadablePart>>;

  PartSnapshot() = default;
  // `parts` in sequence order. `wanted_streams`: which StreamIndex ids the
  // read wants (StreamIndex::Match, called after the list was taken so
  // that it knows every stream of these parts). `on_corrupt_block` (may
  // be empty) counts the blocks that fail to read; `tenant` names them in
  // the log.
  PartSnapshot(std::string tenant, Parts parts, std::vector<bool> wanted_streams,
               std::function<void()> on_corrupt_block);

  // Calls `visit` for each block of a wanted stream whose time range
  // overlaps [start, end): parts in sequence order, each part's blocks in
  // index order. A part outside the range is passed over by its meta.
  void ForEachBlock(TimestampNs start, TimestampNs end,
                    const std::function<void(const BlockRef&)>& visit) const;

  // Adds the wanted streams with blocks in the request's range to *out
  // (keyed by canonical labels), counting each such block whole: its
  // records, payload bytes and one chunk. Reads no block.
  void CollectSeries(const SeriesRequest& request, std::map<std::string, SeriesInfo>* out) const;

  // Calls `fn` with the timestamps (and metadata) of the wanted streams'
  // records in the request's range, a block at a time, in visiting order;
  // reads no line. Blocks are decoded ahead on `pool` (may be null: on
  // the calling thread); `fn` runs on the calling thread.
  void ScanTimestamps(const SelectRequest& request, ReadPool* pool,
                      const std::function<void(const TimestampRun&)>& fn) const;

  // Logs a block that failed to read (`error` says where) and counts it;
  // with `stats`, adds kSkippedBlocksWarning to them.
  void ReportCorruptBlock(const Status& error, ReadStats* stats = nullptr) const;

  // What an answer that skipped such blocks says, once however many: the
  // files and offsets are for the server's log, not for every reader.
  static constexpr const char* kSkippedBlocksWarning =
      "part blocks that could not be read were skipped (the server's log names them): their "
      "records are missing from this answer";

  const Parts& parts() const { return parts_; }
  const std::string& tenant() const { return tenant_; }

 private:
  std::string tenant_;
  Parts parts_;
  std::vector<bool> wanted_streams_;
  std::function<void()> on_corrupt_block_;
};

}  // namespace lode
