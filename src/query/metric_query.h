// Evaluates LogQL metric expressions against storage: range aggregations
// over log ranges (count_over_time, rate, bytes_over_time, bytes_rate,
// absent_over_time), vector aggregations, binary operators with bool and
// vector matching, number literals, vector() and label_replace().
//
// Evaluation is at steps start, start + step, ..., end (one step for an
// instant query). A range aggregation's window at step t is
// (t - offset - range, t - offset]. Records are read once, forward in
// time, and held only while they are inside some step's window, so memory
// is bounded by one range's worth of (timestamp, size) pairs per series,
// not by the query's whole time range.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "logql/ast.h"
#include "model/query_result.h"
#include "query/log_query.h"
#include "storage/storage.h"

namespace lode {

struct MetricQueryParams {
  std::vector<std::string> tenants;
  TimestampNs start = 0;    // the first step
  TimestampNs end = 0;      // the last step is at most this
  int64_t step_ns = 1;      // > 0
  bool instant = false;     // one step, at `start` (== end)
  size_t max_series = 500;  // in the result
  // Inside the expression (the series a sum by (...) aggregates), which
  // bounds memory: windows are held per series.
  size_t max_inner_series = 50000;
  QueryLimits limits;
};

// InvalidArgument for what the engine does not run (yet) or for limits
// exceeded (too many series), with a message a user can act on.
Result<MetricQueryResult> ExecuteMetricQuery(Storage& storage, const logql::Expr& expr,
                                             const MetricQueryParams& params);

}  // namespace lode
