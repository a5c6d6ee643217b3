// MergeIterator: the records of a tenant's parts and heads in time order,
// merged lazily. A part block is decoded only when the merge reaches its
// time range, so a query with a limit reads only the blocks it needs, and
// memory holds the blocks that overlap the current point in time rather
// than the whole range. With a ReadPool, the next blocks in merge order
// are decoded and filtered ahead on the pool's threads (every core), a
// bounded number at a time.
#pragma once

#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "storage/block_prefetcher.h"
#include "storage/head.h"
#include "storage/literal_keys.h"
#include "storage/part_snapshot.h"
#include "storage/storage.h"

namespace lode {

class ReadPool;

class MergeIterator final : public RecordIterator {
 public:
  // `head_records` are the matching head records (any order); `parts` a
  // snapshot of the tenant's parts, whose blocks of wanted streams in the
  // request's range are read. Blocks that fail to read are reported to
  // the snapshot and skipped. `pool` (may be null: everything on the
  // calling thread) decodes blocks ahead; the request's line_filter then
  // runs on its threads.
  MergeIterator(const SelectRequest& request, std::vector<KeyedRecord> head_records,
                PartSnapshot parts, ReadPool* pool = nullptr);
  // Waits for blocks being decoded for it; queued ones are dropped.
  ~MergeIterator() override = default;

  bool Next() override;
  const Record& record() const override { return current_; }
  Status status() const override { return Status::Ok(); }

  ReadStats read_stats() const override { return stats_; }
  // Part blocks decoded so far.
  size_t blocks_opened() const { return stats_.blocks_read; }
  // Blocks ruled out by their token filters.
  size_t blocks_skipped() const { return stats_.blocks_skipped; }
  // Blocks read but ruled out by their template columns.
  size_t blocks_ruled_out() const { return stats_.blocks_ruled_out; }

 private:
  struct Run {
    // A part block: where it is, its place in the prefetcher's order, and
    // while open, its decoded records...
    BlockRef block;
    size_t order = 0;
    BlockPrefetcher::Decoded* decoded = nullptr;
    // ...or the head records (already sorted).
    bool is_head = false;
    size_t pos = 0;  // next record, counting from the run's start in the direction
  };
  struct Key {
    TimestampNs timestamp;
    uint64_t source;
    uint64_t seq;
    size_t run;
    bool opened;
  };
  struct KeyAfter {
    bool forward;
    bool operator()(const Key& a, const Key& b) const;  // priority_queue: "a after b"
  };

  bool forward() const { return request_.direction == Direction::kForward; }
  // Offers the run's next record in the query's range, if any.
  void PushNext(size_t run);
  // Queues a key. The most recently offered key is held aside (hot_)
  // while it stays the earliest: a run of consecutive records from one
  // block then costs no heap operations.
  void Offer(const Key& key);
  bool Open(size_t run);
  // Decodes a block and marks the records the request wants: those in
  // its time range that pass its filters. On the read pool's threads.
  void DecodeAndFilter(const BlockRef& block, std::string& scratch,
                       BlockPrefetcher::Decoded& out) const;

  SelectRequest request_;
  LiteralKeys keys_;  // of request_'s literals, to skip blocks by their filters
  std::vector<KeyedRecord> head_;
  PartSnapshot parts_;
  std::vector<Run> runs_;
  std::priority_queue<Key, std::vector<Key>, KeyAfter> heap_;
  std::optional<Key> hot_;  // queued, not in heap_; see Offer
  // The part stream whose labels current_.stream holds, so that records
  // of one stream do not copy its labels again (null: unknown).
  const Labels* current_stream_ = nullptr;
  Record current_;
  ReadStats stats_;
  // The literals themselves when storage may decide lines from their
  // templates (SelectRequest::only_line_contains).
  std::vector<std::string_view> held_literals_;
  // The line_contains literals' fragments (part::LiteralFragments, then
  // part::DigitFragments; views into request_): a template block is
  // checked for them before it is decoded, and rebuilds only the lines
  // that can hold them all.
  std::vector<std::string_view> fragments_;
  bool with_lines_ = true;  // false: request_.timestamps_only and nothing to filter
  // The part runs' blocks in the order the merge opens them. Last: its
  // tasks use the members above, so it goes first.
  std::unique_ptr<BlockPrefetcher> blocks_;
};

}  // namespace lode
