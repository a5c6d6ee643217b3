#include "ingest/rate_limiter.h"

#include <algorithm>

namespace lode {

bool IngestRateLimiter::Allow(const std::string& tenant, double rate, double burst, uint64_t bytes,
                              std::chrono::steady_clock::time_point now) {
  if (rate <= 0) return true;
  burst = std::max(burst, rate);
  MutexLock lock(mu_);
  Bucket& b = buckets_[tenant];
  if (!b.started) {
    b.tokens = burst;
    b.started = true;
  } else {
    double seconds = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(burst, b.tokens + std::max(0.0, seconds) * rate);
  }
  b.updated = now;
  // A push larger than the whole burst could never pass: let it through
  // when the bucket is full, so that the limit slows it instead.
  double need = std::min(static_cast<double>(bytes), burst);
  if (b.tokens < need) return false;
  b.tokens -= static_cast<double>(bytes);
  return true;
}

}  // namespace lode
