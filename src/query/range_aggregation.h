// Range aggregations over log ranges: `count_over_time({..} | json [5m])`,
// `quantile_over_time(0.99, {..} | logfmt | unwrap latency [1m]) by (x)`,
// evaluated at every step of a metric query.
//
// Records are read once, forward in time, through the log pipeline; each
// becomes a sample (1, its size, or its unwrapped value) of the series
// named by its labels after the pipeline. A series holds only the samples
// inside the current window, so memory is bounded by one range's worth of
// samples per series.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "logql/ast.h"
#include "model/labels.h"
#include "query/log_query.h"
#include "query/query_limits.h"
#include "storage/storage.h"

namespace lode {

// A value at every step of a query; `present` says at which steps.
struct StepSeries {
  Labels labels;
  std::vector<double> values;
  std::vector<uint8_t> present;
};

struct RangeEvalContext {
  std::vector<std::string> tenants;
  TimestampNs first_step = 0;
  int64_t step_ns = 1;
  size_t steps = 1;
  size_t max_series = 50000;  // series alive inside the aggregation
  QueryLimits limits;
};

// Evaluates one range aggregation. `pushed` is a grouping the caller will
// apply anyway (a `sum by (..)` around a count, rate, bytes or
// sum_over_time): applying it while extracting keeps fewer series alive.
// A series whose labels carry `__error__` fails the query, as LogQL does
// unless the error is filtered (`| __error__=""`).
Result<std::vector<StepSeries>> EvalRangeAggregation(Storage& storage,
                                                     const logql::RangeAggregation& agg,
                                                     const RangeEvalContext& ctx,
                                                     const logql::Grouping* pushed,
                                                     QueryStats* stats);

// Whether `agg` may take a caller's grouping at extraction: its value is a
// sum over samples (count, rate, bytes, sum_over_time) and it has no
// grouping of its own.
bool CanPushGrouping(const logql::RangeAggregation& agg);

}  // namespace lode
