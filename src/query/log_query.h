// Executes a log query (a stream selector and line filters) against
// storage, returning at most `limit` entries grouped by stream, like
// Loki's `streams` result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "logql/ast.h"
#include "model/query_result.h"
#include "query/query_limits.h"
#include "storage/storage.h"

namespace lode {

struct LogQueryParams {
  std::vector<std::string> tenants;  // several tenants are queried as one
  TimestampNs start = 0;             // inclusive
  TimestampNs end = 0;               // exclusive
  size_t limit = 100;
  Direction direction = Direction::kBackward;
  // Loki's `categorize-labels` form: a stream is keyed by its stream
  // labels only, and each entry carries its structured metadata and the
  // labels the pipeline parsed (errors included) apart.
  bool categorize_labels = false;
  // At most one line per `interval_ns` across all streams (0: every line),
  // as Loki's `interval` parameter: the first line found is kept, then
  // each line at least the interval after (forward) or before
  // (backward) the last one kept. `limit` counts kept lines.
  int64_t interval_ns = 0;
  QueryLimits limits;
};

Result<LogQueryResult> ExecuteLogQuery(Storage& storage, const logql::LogSelectorExpr& expr,
                                       const LogQueryParams& params);

}  // namespace lode
