// BlockPrefetcher: decodes a read's part blocks ahead of their use. A
// read knows beforehand the order it will open its blocks in (a merge by
// their time ranges, a timestamp scan in snapshot order); the prefetcher
// keeps the next ones, two per pool thread, decoding on the ReadPool, so
// that every core works on a large read while memory holds only that
// window. Without a pool, a block is decoded on the reader's thread when
// it is opened.
//
// One reader thread calls Open and Release; the decode function runs on
// pool threads, several at once, and must only read shared state.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "storage/part/block_codec.h"
#include "storage/readable_part.h"

namespace lode {

class ReadPool;

class BlockPrefetcher {
 public:
  // What decoding one block gave.
  struct Decoded {
    Status status;
    bool ruled_out = false;  // the block cannot hold what the read looks for
    part::DecodedBlock block;
    std::vector<uint8_t> wanted;  // per record, as the decode function sets it
  };
  // Reads `block` into `out`, reusing its memory; `scratch` (one per
  // thread) holds stored bytes. On a pool thread, an exception it throws
  // (out of memory on a huge block) becomes out.status.
  using DecodeFn = std::function<void(const BlockRef& block, std::string& scratch, Decoded& out)>;

  // `order`: the blocks, in the order the read will open them. `pool`
  // may be null. Starts decoding at once.
  BlockPrefetcher(std::vector<BlockRef> order, ReadPool* pool, DecodeFn decode);
  // Waits for the blocks being decoded; those still queued are dropped.
  ~BlockPrefetcher();

  BlockPrefetcher(const BlockPrefetcher&) = delete;
  BlockPrefetcher& operator=(const BlockPrefetcher&) = delete;

  size_t size() const { return order_.size(); }
  const BlockRef& block(size_t i) const { return order_[i]; }

  // Block `i` of the order, decoded: waits for it if it is being decoded
  // ahead, else decodes it now. Valid until Release(i).
  Decoded& Open(size_t i);
  // Done with block `i`: its memory serves a later block.
  void Release(size_t i);

 private:
  struct Slot {
    enum class State { kQueued, kRunning, kDone };
    Mutex mu;
    CondVar cv{mu};
    State state GUARDED_BY(mu) = State::kDone;
    bool cancelled GUARDED_BY(mu) = false;  // the prefetcher is gone
    Decoded decoded;
  };

  // Starts decoding the next blocks in order, up to window_ ahead.
  void Prefetch();
  std::shared_ptr<Slot> TakeSlot();

  const std::vector<BlockRef> order_;
  ReadPool* const pool_;
  const DecodeFn decode_;
  size_t window_ = 0;
  std::vector<std::shared_ptr<Slot>> slots_;  // by position in order_; set while started or open
  size_t next_prefetch_ = 0;                  // in order_
  size_t in_flight_ = 0;                      // prefetched, not yet opened
  std::vector<std::shared_ptr<Slot>> free_slots_;  // released blocks' memory, for reuse
};

}  // namespace lode
