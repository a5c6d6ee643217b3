// Follows a log query as lines arrive, as /loki/api/v1/tail and
// `lode query --tail` need: the first poll returns the newest lines of
// the history, each later one what arrived since, and no line twice, even
// when lines with the same timestamp land between two polls.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "logql/ast.h"
#include "query/log_query.h"
#include "storage/storage.h"

namespace lode {

struct TailBatch {
  std::vector<StreamResult> streams;  // each stream's entries oldest first
  // The poll stopped at its batch size: poll again at once.
  bool more = false;
};

class TailCursor {
 public:
  // Lines per poll after the history, at most.
  static constexpr size_t kBatchLines = 1000;

  // Follows `expr` in `tenants` from `start`; the first poll returns at
  // most `history_limit` lines, the newest.
  TailCursor(Storage& storage, logql::LogSelectorExpr expr, std::vector<std::string> tenants,
             TimestampNs start, size_t history_limit);

  // The lines from the cursor up to `end` (exclusive) not returned before;
  // advances the cursor to the newest of them.
  Result<TailBatch> Poll(TimestampNs end);

  TimestampNs cursor() const { return cursor_; }

 private:
  Storage& storage_;
  const logql::LogSelectorExpr expr_;
  const std::vector<std::string> tenants_;
  const size_t history_limit_;
  TimestampNs cursor_;
  bool first_ = true;
  // Lines at the cursor's timestamp already returned (stream labels and
  // line), so that a line is returned once even when others with the same
  // time arrive later.
  std::set<std::string> sent_at_cursor_;
};

}  // namespace lode
