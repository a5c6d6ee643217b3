// The patterns of the lines a log query selects over a time range
// (GET /loki/api/v1/patterns, `lode patterns`): every line the query
// keeps goes through a PatternMiner, counted per step.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "logql/ast.h"
#include "query/pattern_miner.h"
#include "query/query_limits.h"
#include "storage/storage.h"

namespace lode {

struct PatternQueryParams {
  std::vector<std::string> tenants;
  TimestampNs start = 0;
  TimestampNs end = 0;  // exclusive
  int64_t step_ns = 0;  // width of each pattern's sample buckets
  QueryLimits limits;
};

struct PatternQueryResult {
  std::vector<MinedPattern> patterns;  // most lines first
  uint64_t lines = 0;                  // lines mined
};

Result<PatternQueryResult> ExecutePatternQuery(Storage& storage, const logql::LogSelectorExpr& expr,
                                               const PatternQueryParams& params);

}  // namespace lode
