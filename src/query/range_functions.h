// The functions of LogQL's range aggregations over one window's samples:
// count_over_time, bytes_over_time, bytes_rate, rate, the _over_time
// functions of unwrapped values (avg, sum, min, max, stddev, stdvar,
// quantile, first, last) and rate_counter, with Loki's and Prometheus'
// formulas. range_aggregation.cc reads the records and keeps each
// series' window; these only compute.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "logql/ast.h"

namespace lode {

// One record's sample in a window.
struct WindowSample {
  int64_t t = 0;  // shifted by the offset
  double v = 0;
};

// Whether `op` counts records or bytes: its window keeps the exact sum of
// its samples' values as they come and go. Inline: asked for every record.
inline bool IsCounting(logql::RangeOp op) {
  using logql::RangeOp;
  return op == RangeOp::kCountOverTime || op == RangeOp::kBytesOverTime ||
         op == RangeOp::kBytesRate || op == RangeOp::kAbsentOverTime;
}

// The value of `op` for the window (window_end - range_ns, window_end]
// holding `s` (in time order, at least one); `total` is their sum when
// IsCounting(op). `param` is quantile_over_time's quantile; `scratch` is
// a buffer to reuse between calls.
double AggregateWindow(logql::RangeOp op, const std::deque<WindowSample>& s, double total,
                       int64_t range_ns, int64_t window_end, double param,
                       std::vector<double>& scratch);

}  // namespace lode
