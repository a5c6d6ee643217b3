// Per-tenant ingestion rate limits: a token bucket of bytes per tenant,
// filled at the tenant's rate up to its burst, as Loki's
// ingestion_rate_mb and ingestion_burst_size_mb define them.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "base/mutex.h"

namespace lode {

class IngestRateLimiter {
 public:
  // Takes `bytes` from the tenant's bucket if it holds them; false (and
  // nothing taken) otherwise. A rate of 0 means no limit.
  bool Allow(const std::string& tenant, double rate_bytes_per_second, double burst_bytes,
             uint64_t bytes, std::chrono::steady_clock::time_point now);
  bool Allow(const std::string& tenant, double rate, double burst, uint64_t bytes) {
    return Allow(tenant, rate, burst, bytes, std::chrono::steady_clock::now());
  }

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point updated;
    bool started = false;
  };
  Mutex mu_;
  std::map<std::string, Bucket> buckets_ GUARDED_BY(mu_);
};

}  // namespace lode
