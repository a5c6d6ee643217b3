#include "query/log_query.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>

#include "query/line_filter.h"
#include "query/pipeline.h"
#include "query/scan_hooks.h"
#include "query/tenants.h"

namespace lode {
namespace {

// Orders records of several tenants' iterators into one stream of
// records by the query's direction: a k-way merge over already-ordered
// inputs, so the first `limit` records are exact.
struct Cursor {
  std::unique_ptr<RecordIterator> it;
  bool valid = false;
  const std::string* tenant = nullptr;
};

}  // namespace

Result<LogQueryResult> ExecuteLogQuery(Storage& storage, const logql::LogSelectorExpr& expr,
                                       const LogQueryParams& params) {
  auto started = std::chrono::steady_clock::now();
  LODE_ASSIGN_OR_RETURN(Pipeline pipeline, Pipeline::Compile(expr.pipeline));
  const std::vector<logql::LineFilter>& line_filters = pipeline.PushedLineFilters();
  LODE_ASSIGN_OR_RETURN(LineFilterChain filters, LineFilterChain::Compile(line_filters));

  // Counted on storage's read threads, which also stop keeping lines
  // once a limit is exceeded.
  ScanCounters scan;
  const QueryLimits& limits = params.limits;
  std::vector<Cursor> cursors;
  std::vector<Matcher> matchers = expr.matchers;
  const std::vector<std::string> tenants = SelectTenants(params.tenants, &matchers);
  const bool multi_tenant = params.tenants.size() > 1;
  for (const std::string& tenant : tenants) {
    SelectRequest request;
    request.tenant = tenant;
    request.start = params.start;
    request.end = params.end;
    request.matchers = matchers;
    request.direction = params.direction;
    // Literals every result line must contain let storage skip blocks:
    // those of `|=` filters, and those a `|~` regex requires.
    request.line_contains = RequiredLineLiterals(line_filters);
    // The leading filters run inside storage, before records are built.
    // They also count what storage examined, for the query's statistics.
    SetScanHooks(filters, scan, limits, &request);
    LODE_ASSIGN_OR_RETURN(auto it, storage.Select(request));
    Cursor cursor{std::move(it), false, &tenant};
    cursor.valid = cursor.it->Next();
    LODE_RETURN_IF_ERROR(cursor.it->status());
    cursors.push_back(std::move(cursor));
  }

  LogQueryResult result;
  std::map<std::string, size_t> stream_index;  // canonical labels -> index in result
  const bool forward = params.direction == Direction::kForward;
  LabelsBuilder labels;
  PipelineState state;
  uint32_t until_check = QueryLimits::kCheckEvery;
  bool have_kept = false;
  TimestampNs last_kept = 0;
  while (result.stats.entries_returned < params.limit) {
    if (--until_check == 0) {
      until_check = QueryLimits::kCheckEvery;
      LODE_RETURN_IF_ERROR(params.limits.Check(scan.bytes.load(std::memory_order_relaxed)));
    }
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
    std::string_view line = record.line;
    // Storage ran the pushed filters already.
    labels.Reset(record.stream, record.metadata);
    const bool keep = pipeline.Process(record.timestamp, &line, labels, state);
    if (keep && multi_tenant) labels.Set(LabelCategory::kStream, kTenantLabel, *best->tenant);
    const bool in_interval = params.interval_ns > 0 && have_kept &&
                             (forward ? record.timestamp - last_kept < params.interval_ns
                                      : last_kept - record.timestamp < params.interval_ns);
    if (keep && !in_interval) {
      have_kept = true;
      last_kept = record.timestamp;
      ++result.stats.post_filter_lines;
      // Without categorised labels, Loki returns structured metadata and
      // parsed labels merged into the stream labels, so entries with
      // different ones form different result streams.
      LogEntry entry{record.timestamp, std::string(line), {}, {}};
      Labels key_labels;
      if (params.categorize_labels) {
        key_labels = labels.Build(LabelCategory::kStream);
        entry.metadata = labels.Build(LabelCategory::kMetadata);
        entry.parsed = labels.Build(LabelCategory::kParsed);
      } else {
        key_labels = labels.Build();
      }
      std::string key = key_labels.ToString();
      auto [pos, inserted] = stream_index.try_emplace(key, result.streams.size());
      if (inserted) result.streams.push_back(StreamResult{std::move(key_labels), {}});
      result.streams[pos->second].entries.push_back(std::move(entry));
      ++result.stats.entries_returned;
    }
    best->valid = best->it->Next();
    LODE_RETURN_IF_ERROR(best->it->status());
  }
  if (scan.stopped.load()) LODE_RETURN_IF_ERROR(limits.Check(scan.bytes.load()));
  for (const Cursor& c : cursors) result.stats.read += c.it->read_stats();
  result.stats.lines_scanned = scan.lines;
  result.stats.bytes_scanned = scan.bytes;
  result.stats.exec_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace lode
