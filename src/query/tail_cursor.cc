#include "query/tail_cursor.h"

#include <algorithm>

namespace lode {

TailCursor::TailCursor(Storage& storage, logql::LogSelectorExpr expr,
                       std::vector<std::string> tenants, TimestampNs start, size_t history_limit)
    : storage_(storage),
      expr_(std::move(expr)),
      tenants_(std::move(tenants)),
      history_limit_(history_limit),
      cursor_(start) {}

Result<TailBatch> TailCursor::Poll(TimestampNs end) {
  TailBatch batch;
  if (end <= cursor_) {
    first_ = false;  // a history that is empty yet is not sent later
    return batch;
  }
  LogQueryParams params;
  params.tenants = tenants_;
  params.start = cursor_;
  params.end = end;
  // The history first: the newest `limit` lines; then everything new.
  params.direction = first_ ? Direction::kBackward : Direction::kForward;
  params.limit = first_ ? history_limit_ : kBatchLines;
  LODE_ASSIGN_OR_RETURN(LogQueryResult result, ExecuteLogQuery(storage_, expr_, params));
  TimestampNs newest = cursor_;
  size_t count = 0;
  for (StreamResult& s : result.streams) {
    StreamResult out{s.labels, {}};
    for (LogEntry& e : s.entries) {
      ++count;
      if (e.timestamp == cursor_ &&
          sent_at_cursor_.count(s.labels.ToString() + '\n' + e.line) > 0) {
        continue;
      }
      newest = std::max(newest, e.timestamp);
      out.entries.push_back(std::move(e));
    }
    if (first_) std::reverse(out.entries.begin(), out.entries.end());
    if (!out.entries.empty()) batch.streams.push_back(std::move(out));
  }
  batch.more = !first_ && count >= kBatchLines;
  if (newest != cursor_) sent_at_cursor_.clear();
  for (const StreamResult& s : batch.streams) {
    for (const LogEntry& e : s.entries) {
      if (e.timestamp == newest) sent_at_cursor_.insert(s.labels.ToString() + '\n' + e.line);
    }
  }
  cursor_ = newest;
  first_ = false;
  return batch;
}

}  // namespace lode
