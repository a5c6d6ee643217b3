// ConnectionLimiter: the HTTP server's open connections, counted against
// a cap, and the choice of which one to close when a new client needs
// room.
//
// Each connection tells the limiter what it is waiting for. At the cap the
// server closes the connection that has waited longest for a request that
// has not come:
//   1. a kept-alive connection idle between requests (its client opens a
//      new one when it has something to send), oldest idle first;
//   2. else one whose request header has been arriving for longer than
//      `header_grace` (a well-behaved client sends its header at once; one
//      that trickles it holds a place a new client could use), oldest
//      first. A new connection counts as arriving from its accept.
// Connections running a request, reading its body, writing a response or
// serving a WebSocket are never chosen. When nothing can be chosen the
// server stops accepting until a connection closes: new clients wait in
// the listen backlog rather than being refused.
//
// Thread-safe. The eviction and close callbacks run without the lock held.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <utility>

#include "base/mutex.h"

namespace lode {

class ConnectionLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  enum class Phase {
    kHeader,  // waiting for (the rest of) a request header
    kIdle,    // kept alive, waiting for the first byte of the next request
    kBusy,    // anything else: never evicted
  };

  // Called once for a connection chosen to be closed, with the phase it
  // was chosen in; the connection must close soon.
  using EvictFn = std::function<void(Phase)>;

  // A registered connection. Move-only; destroying it unregisters.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept { *this = std::move(other); }
    Slot& operator=(Slot&& other) noexcept;
    ~Slot();

    // Records what the connection now waits for, from `now`. False when
    // the connection has been chosen for eviction: it must close instead.
    [[nodiscard]] bool SetPhase(Phase phase, Clock::time_point now = Clock::now());

   private:
    friend class ConnectionLimiter;
    Slot(ConnectionLimiter* limiter, uint64_t id) : limiter_(limiter), id_(id) {}
    ConnectionLimiter* limiter_ = nullptr;
    uint64_t id_ = 0;
  };

  ConnectionLimiter(size_t max_connections, Clock::duration header_grace);

  // Registers an accepted connection, in kHeader from `now`. May exceed
  // the cap: call MakeRoom first.
  Slot Open(EvictFn evict, Clock::time_point now = Clock::now());

  // Whether a connection may be accepted now (connections chosen to close
  // do not count), changing nothing.
  bool HasRoom() const;

  // Connections chosen to close that may still be open: the new client is
  // accepted while they close (so the process holds at most this many
  // connections more than the cap, for a moment), and a burst of new
  // clients does not wait for each close in turn.
  static constexpr size_t kMaxClosing = 32;

  enum class Room {
    kNow,   // accept: there is room, or a connection was chosen to make it
    kSoon,  // kMaxClosing chosen connections are still closing
    kNone,  // nothing can be chosen: wait for a connection to end
  };
  // Whether a connection may be accepted now; at the cap, chooses one to
  // close (see above) and calls its EvictFn. After kSoon or kNone the
  // close callback is called on the next close.
  Room MakeRoom(Clock::time_point now = Clock::now());

  // Called (from the closing thread) when a connection closes after
  // MakeRoom found the cap reached. Set before use; nullptr to stop.
  void SetOnCloseWhileFull(std::function<void()> on_close);

  // Connections open, those chosen to close included.
  size_t open() const;
  size_t max_connections() const { return max_connections_; }

 private:
  struct Entry {
    Phase phase = Phase::kHeader;
    Clock::time_point since;
    EvictFn evict;
    bool evicted = false;
  };
  using Waiting = std::set<std::pair<Clock::time_point, uint64_t>>;  // oldest first

  void Close(uint64_t id);
  bool SetPhase(uint64_t id, Phase phase, Clock::time_point now);
  void Unlist(uint64_t id, const Entry& entry) REQUIRES(mu_);
  void List(uint64_t id, const Entry& entry) REQUIRES(mu_);

  const size_t max_connections_;
  const Clock::duration header_grace_;
  mutable Mutex mu_;
  uint64_t next_id_ GUARDED_BY(mu_) = 1;
  std::map<uint64_t, Entry> entries_ GUARDED_BY(mu_);
  Waiting idle_ GUARDED_BY(mu_);
  Waiting header_ GUARDED_BY(mu_);
  size_t evicting_ GUARDED_BY(mu_) = 0;  // chosen and not yet closed
  bool full_ GUARDED_BY(mu_) = false;    // MakeRoom found the cap reached since it last found room
  std::function<void()> on_close_while_full_ GUARDED_BY(mu_);
};

}  // namespace lode
