#include "query/log_query.h"

#include <atomic>
#include <chrono>
#include <map>

#include "query/line_filter.h"

namespace lode {
namespace {

// Orders records of several tenants' iterators into one stream of
// records by the query's direction: a k-way merge over already-ordered
// inputs, so the first `limit` records are exact.
struct Cursor {
  std::unique_ptr<RecordIterator> it;
  bool valid = false;
};

}  // namespace

Result<LogQueryResult> ExecuteLogQuery(Storage& storage, const logql::LogSelectorExpr& expr,
                                       const LogQueryParams& params) {
  auto started = std::chrono::steady_clock::now();
  if (!expr.OnlyTextLineFilters()) {
    // Parsed, but not executed yet: refused rather than answered wrongly.
    return Status::InvalidArgument(
        "not supported yet: this log query uses pipeline stages beyond the text line filters "
        "|= != |~ !~ (label parsers, label filters, formatting, pattern and ip filters)");
  }
  const std::vector<logql::LineFilter> line_filters = expr.LineFilters();
  LODE_ASSIGN_OR_RETURN(LineFilterChain filters, LineFilterChain::Compile(line_filters));

  // Counted from storage's read threads.
  std::atomic<uint64_t> scanned_lines = 0, scanned_bytes = 0;
  std::vector<Cursor> cursors;
  for (const std::string& tenant : params.tenants) {
    SelectRequest request;
    request.tenant = tenant;
    request.start = params.start;
    request.end = params.end;
    request.matchers = expr.matchers;
    request.direction = params.direction;
    // Literals every result line must contain let storage skip blocks:
    // those of `|=` filters, and those a `|~` regex requires.
    request.line_contains = RequiredLineLiterals(line_filters);
    // The whole filter chain runs inside storage, before records are built.
    // It also counts what storage examined, for the query's statistics.
    request.line_filter = [&filters, &scanned_lines, &scanned_bytes](std::string_view line) {
      scanned_lines.fetch_add(1, std::memory_order_relaxed);
      scanned_bytes.fetch_add(line.size(), std::memory_order_relaxed);
      return filters.Matches(line);
    };
    // Blocks read from parts are filtered a block at a time (and counted
    // once per block, not per line, to keep the threads off one counter).
    request.block_filter = [&filters, &scanned_lines, &scanned_bytes](std::string_view data,
                                                                      const uint64_t* offsets,
                                                                      size_t count, uint8_t* keep) {
      uint64_t lines = 0, bytes = 0;
      for (size_t i = 0; i < count; ++i) {
        if (!keep[i]) continue;
        ++lines;
        bytes += offsets[i + 1] - offsets[i];
      }
      scanned_lines.fetch_add(lines, std::memory_order_relaxed);
      scanned_bytes.fetch_add(bytes, std::memory_order_relaxed);
      if (lines > 0 && !filters.empty()) filters.FilterBlock(data, offsets, count, keep);
    };
    LODE_ASSIGN_OR_RETURN(auto it, storage.Select(request));
    Cursor cursor{std::move(it), false};
    cursor.valid = cursor.it->Next();
    LODE_RETURN_IF_ERROR(cursor.it->status());
    cursors.push_back(std::move(cursor));
  }

  LogQueryResult result;
  std::map<std::string, size_t> stream_index;  // canonical labels -> index in result
  const bool forward = params.direction == Direction::kForward;
  while (result.stats.entries_returned < params.limit) {
    Cursor* best = nullptr;
    for (Cursor& c : cursors) {
      if (!c.valid) continue;
      if (best == nullptr) {
        best = &c;
        continue;
      }
      TimestampNs t = c.it->record().timestamp, b = best->it->record().timestamp;
      if (forward ? t < b : t > b) best = &c;
    }
    if (best == nullptr) break;
    const Record& record = best->it->record();
    if (filters.Matches(record.line)) {
      ++result.stats.post_filter_lines;
      // Without categorised labels, Loki returns structured metadata merged
      // into the stream labels, so entries with different metadata form
      // different result streams.
      Labels labels = record.stream;
      for (const Label& m : record.metadata) labels.Set(m.name, m.value);
      std::string key = labels.ToString();
      auto [pos, inserted] = stream_index.try_emplace(key, result.streams.size());
      if (inserted) result.streams.push_back(StreamResult{std::move(labels), {}});
      result.streams[pos->second].entries.emplace_back(record.timestamp, record.line);
      ++result.stats.entries_returned;
    }
    best->valid = best->it->Next();
    LODE_RETURN_IF_ERROR(best->it->status());
  }
  for (const Cursor& c : cursors) result.stats.read += c.it->read_stats();
  result.stats.lines_scanned = scanned_lines;
  result.stats.bytes_scanned = scanned_bytes;
  result.stats.exec_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace lode
