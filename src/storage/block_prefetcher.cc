#include "storage/block_prefetcher.h"

#include <algorithm>

#include "storage/read_pool.h"

namespace lode {
namespace {

// The stored bytes of the block being decoded on this thread: reused, as
// a thread decodes block after block.
std::string& Scratch() {
  thread_local std::string bytes;
  return bytes;
}

}  // namespace

BlockPrefetcher::BlockPrefetcher(std::vector<BlockRef> order, ReadPool* pool, DecodeFn decode)
    : order_(std::move(order)), pool_(pool), decode_(std::move(decode)), slots_(order_.size()) {
  if (pool_ != nullptr) window_ = 2 * pool_->threads();
  Prefetch();
}

BlockPrefetcher::~BlockPrefetcher() {
  for (std::shared_ptr<Slot>& slot : slots_) {
    if (slot == nullptr) continue;
    MutexLock lock(slot->mu);
    slot->cancelled = true;
    while (slot->state == Slot::State::kRunning) slot->cv.Wait();
  }
}

std::shared_ptr<BlockPrefetcher::Slot> BlockPrefetcher::TakeSlot() {
  if (free_slots_.empty()) return std::make_shared<Slot>();
  std::shared_ptr<Slot> slot = std::move(free_slots_.back());
  free_slots_.pop_back();
  return slot;
}

void BlockPrefetcher::Prefetch() {
  if (pool_ == nullptr) return;
  while (in_flight_ < window_ && next_prefetch_ < order_.size()) {
    const size_t i = next_prefetch_++;
    if (slots_[i] != nullptr) continue;  // opened already
    slots_[i] = TakeSlot();
    {
      // No task has the slot yet: the lock is uncontended, and lets the
      // compiler check the write.
      MutexLock lock(slots_[i]->mu);
      slots_[i]->state = Slot::State::kQueued;
    }
    ++in_flight_;
    // The task touches the prefetcher only if it starts before the
    // destructor cancels it; the destructor waits for one that started.
    pool_->Submit([this, slot = slots_[i], block = order_[i]] {
      {
        MutexLock lock(slot->mu);
        if (slot->cancelled) {
          slot->state = Slot::State::kDone;
          return;
        }
        slot->state = Slot::State::kRunning;
      }
      // A task that throws must still finish its slot, or the reader
      // waiting for it would hang.
      try {
        decode_(block, Scratch(), slot->decoded);
      } catch (const std::exception& e) {
        slot->decoded.status = Status::Internal(std::string("reading block: ") + e.what());
      }
      {
        MutexLock lock(slot->mu);
        slot->state = Slot::State::kDone;
      }
      slot->cv.SignalAll();
    });
  }
}

BlockPrefetcher::Decoded& BlockPrefetcher::Open(size_t i) {
  if (slots_[i] != nullptr) {  // prefetched
    Slot& slot = *slots_[i];
    MutexLock lock(slot.mu);
    while (slot.state != Slot::State::kDone) slot.cv.Wait();
    --in_flight_;
  } else {
    slots_[i] = TakeSlot();
    decode_(order_[i], Scratch(), slots_[i]->decoded);
    next_prefetch_ = std::max(next_prefetch_, i + 1);
  }
  Prefetch();
  return slots_[i]->decoded;
}

void BlockPrefetcher::Release(size_t i) {
  if (slots_[i] != nullptr) free_slots_.push_back(std::move(slots_[i]));
}

}  // namespace lode
