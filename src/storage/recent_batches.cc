#include "storage/recent_batches.h"

namespace lode {

void RecentBatches::Add(const std::string& id, uint64_t frame, int64_t wall_ns) {
  auto [it, inserted] = frames_.try_emplace(id, frame);
  if (!inserted) return;
  order_.emplace_back(wall_ns, id);
}

std::optional<uint64_t> RecentBatches::Find(const std::string& id) const {
  auto it = frames_.find(id);
  if (it == frames_.end()) return std::nullopt;
  return it->second;
}

void RecentBatches::Prune(int64_t now_ns) {
  const int64_t oldest =
      now_ns - std::chrono::duration_cast<std::chrono::nanoseconds>(options_.window).count();
  while (!order_.empty() && (order_.front().first < oldest || order_.size() > options_.max_ids)) {
    frames_.erase(order_.front().second);
    order_.pop_front();
  }
}

std::vector<std::pair<std::string, int64_t>> RecentBatches::Snapshot() const {
  std::vector<std::pair<std::string, int64_t>> out;
  out.reserve(order_.size());
  for (const auto& [when, id] : order_) out.emplace_back(id, when);
  return out;
}

}  // namespace lode
