#include "query/scan_hooks.h"

#include <algorithm>

namespace lode {

void SetScanHooks(const LineFilterChain& filters, ScanCounters& counters, const QueryLimits& limits,
                  SelectRequest* request) {
  request->line_filter = [&filters, &counters, &limits](std::string_view line) {
    const uint64_t n = counters.lines.fetch_add(1, std::memory_order_relaxed);
    const uint64_t bytes = counters.bytes.fetch_add(line.size(), std::memory_order_relaxed);
    // The limits are looked at now and then: the clock costs more than a line.
    if (n % 256 == 0 &&
        (counters.stopped.load(std::memory_order_relaxed) || limits.Exceeded(bytes))) {
      counters.stopped.store(true, std::memory_order_relaxed);
    }
    return !counters.stopped.load(std::memory_order_relaxed) && filters.Matches(line);
  };
  // Blocks read from parts are filtered a block at a time, and counted
  // once per block to keep the threads off the shared counters. It runs
  // for every block read, also when no line of it passes.
  request->block_filter = [&filters, &counters, &limits](std::string_view data,
                                                         const uint64_t* offsets, size_t count,
                                                         uint8_t* keep) {
    if (counters.stopped.load(std::memory_order_relaxed) ||
        limits.Exceeded(counters.bytes.load(std::memory_order_relaxed))) {
      counters.stopped.store(true, std::memory_order_relaxed);
      std::fill(keep, keep + count, 0);
      return;
    }
    uint64_t lines = 0, bytes = 0;
    for (size_t i = 0; i < count; ++i) {
      if (!keep[i]) continue;
      ++lines;
      bytes += offsets[i + 1] - offsets[i];
    }
    counters.lines.fetch_add(lines, std::memory_order_relaxed);
    counters.bytes.fetch_add(bytes, std::memory_order_relaxed);
    if (lines > 0 && !filters.empty()) filters.FilterBlock(data, offsets, count, keep);
  };
  // Lines storage found to pass from their templates, without their text
  // (SelectRequest::only_line_contains): counted as read.
  request->on_decided = [&counters, &limits](uint64_t lines, uint64_t bytes) {
    counters.lines.fetch_add(lines, std::memory_order_relaxed);
    const uint64_t total = counters.bytes.fetch_add(bytes, std::memory_order_relaxed) + bytes;
    if (limits.Exceeded(total)) counters.stopped.store(true, std::memory_order_relaxed);
  };
}

}  // namespace lode
