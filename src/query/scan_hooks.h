// The hooks a query hands storage with its line filters (SelectRequest's
// line_filter and block_filter): they run on storage's read threads,
// apply the filters, count what was examined for the query's statistics
// and limits, and stop keeping lines once a limit is exceeded.
#pragma once

#include <atomic>
#include <cstdint>

#include "query/line_filter.h"
#include "query/query_limits.h"
#include "storage/storage.h"

namespace lode {

struct ScanCounters {
  std::atomic<uint64_t> lines{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<bool> stopped{false};  // a limit was exceeded
};

// Sets request->line_filter and block_filter. `filters`, `counters` and
// `limits` must outlive the request's reads.
void SetScanHooks(const LineFilterChain& filters, ScanCounters& counters, const QueryLimits& limits,
                  SelectRequest* request);

}  // namespace lode
