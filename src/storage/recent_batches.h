// RecentBatches: the idempotency keys (batch ids) of recently stored
// appends, each with the WAL frame that carried it, so that a retried
// batch is stored once and a durable retry waits for the original's fsync.
// Keys expire after a window or past a count. Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lode {

struct RecentBatchesOptions {
  std::chrono::seconds window{3600};
  size_t max_ids = 1'000'000;
};

class RecentBatches {
 public:
  explicit RecentBatches(RecentBatchesOptions options) : options_(options) {}

  // `frame` is the appended-frame number that carried the batch, or 0 when
  // it is already durable (recovered from disk).
  void Add(const std::string& id, uint64_t frame, int64_t wall_ns);
  // The frame of a known id.
  std::optional<uint64_t> Find(const std::string& id) const;
  // Drops ids older than the window (relative to `now_ns`) or beyond the
  // count limit.
  void Prune(int64_t now_ns);
  // (id, wall ns), oldest first.
  std::vector<std::pair<std::string, int64_t>> Snapshot() const;
  size_t size() const { return frames_.size(); }

 private:
  RecentBatchesOptions options_;
  std::unordered_map<std::string, uint64_t> frames_;
  std::deque<std::pair<int64_t, std::string>> order_;  // (wall ns, id), oldest first
};

}  // namespace lode
