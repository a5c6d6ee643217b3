#include "ingest/stream_limiter.h"

#include <xxhash.h>

namespace lode {

Status StreamLimiter::Admit(const std::string& tenant, const std::vector<StreamBatch>& batches,
                            uint32_t limit, int64_t now) {
  if (limit == 0) return Status::Ok();
  std::vector<uint64_t> hashes;
  hashes.reserve(batches.size());
  for (const StreamBatch& b : batches) {
    std::string key = b.labels.ToString();
    hashes.push_back(XXH3_64bits(key.data(), key.size()));
  }
  MutexLock lock(mu_);
  Tenant& t = tenants_[tenant];
  if (now - t.last_prune > idle_ns_ / 10) {
    std::erase_if(t.last_push, [&](const auto& kv) { return now - kv.second > idle_ns_; });
    t.last_prune = now;
  }
  size_t added = 0;
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (t.last_push.count(hashes[i]) > 0) continue;
    bool repeat = false;
    for (size_t j = 0; j < i; ++j) repeat = repeat || hashes[j] == hashes[i];
    if (repeat) continue;
    if (t.last_push.size() + added >= limit) {
      return Status::RateLimited(
          "Maximum active stream limit exceeded when trying to create stream " +
          batches[i].labels.ToString() +
          ", reduce the number of active streams (reduce labels or reduce label values), or ask "
          "for the limit (max_global_streams_per_user: " +
          std::to_string(limit) + ") to be raised, user: '" + tenant + "'");
    }
    ++added;
  }
  for (uint64_t h : hashes) t.last_push[h] = now;
  return Status::Ok();
}

}  // namespace lode
