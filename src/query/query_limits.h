// QueryLimits: what stops a running query early, with an error the user
// can act on: its time budget, the client going away, or reading more
// line bytes than allowed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"

namespace lode {

struct QueryLimits {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::chrono::milliseconds timeout{0};  // for the message; 0: none
  // Set (by the HTTP server) when the client disconnects.
  std::shared_ptr<const std::atomic<bool>> cancelled;
  uint64_t max_bytes = 0;  // line bytes a query may read; 0: no limit

  // How often (in records) loops call Check: cheap enough, soon enough.
  static constexpr uint32_t kCheckEvery = 4096;

  // Ok, or DeadlineExceeded / Cancelled / InvalidArgument saying why the
  // query must stop, given the line bytes it has read so far.
  Status Check(uint64_t bytes_read) const;
  // The same test without the message, for storage's read threads.
  bool Exceeded(uint64_t bytes_read) const {
    return (cancelled && cancelled->load(std::memory_order_relaxed)) ||
           (max_bytes > 0 && bytes_read > max_bytes) || std::chrono::steady_clock::now() > deadline;
  }
};

}  // namespace lode
