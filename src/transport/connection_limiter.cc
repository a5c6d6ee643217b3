#include "transport/connection_limiter.h"

namespace lode {

ConnectionLimiter::Slot& ConnectionLimiter::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    if (limiter_ != nullptr) limiter_->Close(id_);
    limiter_ = std::exchange(other.limiter_, nullptr);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

ConnectionLimiter::Slot::~Slot() {
  if (limiter_ != nullptr) limiter_->Close(id_);
}

bool ConnectionLimiter::Slot::SetPhase(Phase phase, Clock::time_point now) {
  return limiter_ == nullptr || limiter_->SetPhase(id_, phase, now);
}

ConnectionLimiter::ConnectionLimiter(size_t max_connections, Clock::duration header_grace)
    : max_connections_(max_connections), header_grace_(header_grace) {}

ConnectionLimiter::Slot ConnectionLimiter::Open(EvictFn evict, Clock::time_point now) {
  MutexLock lock(mu_);
  uint64_t id = next_id_++;
  Entry& entry = entries_[id];
  entry.since = now;
  entry.evict = std::move(evict);
  List(id, entry);
  return Slot(this, id);
}

ConnectionLimiter::Room ConnectionLimiter::MakeRoom(Clock::time_point now) {
  EvictFn evict;
  Phase phase;
  {
    MutexLock lock(mu_);
    if (entries_.size() - evicting_ < max_connections_) {
      full_ = false;
      return Room::kNow;
    }
    full_ = true;
    if (evicting_ >= kMaxClosing) return Room::kSoon;
    uint64_t id = 0;
    if (!idle_.empty()) {
      id = idle_.begin()->second;
    } else if (!header_.empty() && header_.begin()->first + header_grace_ <= now) {
      id = header_.begin()->second;
    } else {
      return Room::kNone;
    }
    Entry& entry = entries_[id];
    Unlist(id, entry);
    entry.evicted = true;
    ++evicting_;
    evict = std::move(entry.evict);
    phase = entry.phase;
  }
  if (evict) evict(phase);
  return Room::kNow;
}

bool ConnectionLimiter::HasRoom() const {
  MutexLock lock(mu_);
  return entries_.size() - evicting_ < max_connections_;
}

void ConnectionLimiter::SetOnCloseWhileFull(std::function<void()> on_close) {
  MutexLock lock(mu_);
  on_close_while_full_ = std::move(on_close);
}

size_t ConnectionLimiter::open() const {
  MutexLock lock(mu_);
  return entries_.size();
}

void ConnectionLimiter::Close(uint64_t id) {
  std::function<void()> notify;
  {
    MutexLock lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    if (it->second.evicted) {
      --evicting_;
    } else {
      Unlist(id, it->second);
    }
    entries_.erase(it);
    if (full_) notify = on_close_while_full_;
  }
  if (notify) notify();
}

bool ConnectionLimiter::SetPhase(uint64_t id, Phase phase, Clock::time_point now) {
  MutexLock lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  Entry& entry = it->second;
  if (entry.evicted) return false;
  Unlist(id, entry);
  entry.phase = phase;
  entry.since = now;
  List(id, entry);
  return true;
}

void ConnectionLimiter::Unlist(uint64_t id, const Entry& entry) {
  if (entry.phase == Phase::kIdle) idle_.erase({entry.since, id});
  if (entry.phase == Phase::kHeader) header_.erase({entry.since, id});
}

void ConnectionLimiter::List(uint64_t id, const Entry& entry) {
  if (entry.phase == Phase::kIdle) idle_.insert({entry.since, id});
  if (entry.phase == Phase::kHeader) header_.insert({entry.since, id});
}

}  // namespace lode
