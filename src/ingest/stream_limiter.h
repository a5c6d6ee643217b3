// Per-tenant active-stream limits, as Loki's max_global_streams_per_user:
// a stream is active from its first push until it has had none for
// `idle`; a push that would take a tenant past its limit with new streams
// is refused whole (429: retry once streams go idle, or raise the limit).
// The set lives in memory and starts empty at each start, like the
// in-memory streams Loki counts.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "model/record.h"

namespace lode {

class StreamLimiter {
 public:
  explicit StreamLimiter(int64_t idle_ns = 30LL * 60 * 1'000'000'000) : idle_ns_(idle_ns) {}

  // Admits the streams of `batches` for `tenant` (limit 0: any number),
  // marking them active at `now`; RateLimited naming the first stream
  // over the limit, with nothing marked.
  Status Admit(const std::string& tenant, const std::vector<StreamBatch>& batches, uint32_t limit,
               int64_t now);

 private:
  struct Tenant {
    std::unordered_map<uint64_t, int64_t> last_push;  // stream hash -> ns
    int64_t last_prune = 0;
  };
  const int64_t idle_ns_;
  Mutex mu_;
  std::unordered_map<std::string, Tenant> tenants_ GUARDED_BY(mu_);
};

}  // namespace lode
