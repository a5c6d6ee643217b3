// Storage: the interface every log store behind lode implements. Callers
// (ingest, query) see only this; the engine behind it can be swapped.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/matcher.h"
#include "model/query_result.h"
#include "model/record.h"
#include "storage/audit_chain.h"

namespace lode {

// What an acknowledged append promises.
enum class Durability {
  // May sit in memory briefly (flushed within the flush interval); lost on
  // a crash inside that window.
  kBestEffort,
  // Append returns only after the records are on stable storage (fsync).
  kDurable,
};

enum class Direction { kForward, kBackward };

// Which records to read.
struct SelectRequest {
  std::string tenant;
  TimestampNs start = 0;          // inclusive
  TimestampNs end = 0;            // exclusive
  std::vector<Matcher> matchers;  // all must match the stream labels
  Direction direction = Direction::kBackward;
  // Every line the caller wants contains each of these byte strings.
  // Storage uses them to skip blocks and need not return lines without
  // them (it may; the caller filters again).
  std::vector<std::string> line_contains;
  // Optional: lines for which this returns false are not wanted. Storage
  // applies it before building a Record, which is much cheaper than the
  // caller discarding records, and returns no record it rejects (nor one
  // block_filter rejects), so the caller need not filter again. Storage
  // may call it from several threads at once; may be empty.
  std::function<bool(std::string_view line)> line_filter;
  // Optional: the same filter for a block of lines at once, which can
  // search the block's bytes in one pass instead of line by line. Line i
  // is data[offsets[i], offsets[i + 1]); it clears keep[i] for each line
  // that fails and leaves the other flags alone. When set, storage uses
  // it for part blocks instead of line_filter (which it still uses for
  // records in memory). May be called from several threads at once.
  std::function<void(std::string_view data, const uint64_t* offsets, size_t count, uint8_t* keep)>
      block_filter;
  // The caller needs only each record's timestamp, stream and metadata
  // (counting records over time): storage may leave lines out (empty),
  // and then reads no line text from template blocks. Has no effect
  // when there are literals or filters, which need the lines.
  bool timestamps_only = false;
  // With timestamps_only: the caller wants exactly the lines holding
  // every line_contains literal (it has no other line filter). Storage
  // may then tell from a template block's templates that lines hold the
  // literals without rebuilding them ("search in the compressed form"):
  // those records come back with empty lines, block_filter sees only the
  // other lines, and on_decided (if set) is told how many lines it passed
  // over that way and about how many bytes they hold, for the caller's
  // counts and limits.
  bool only_line_contains = false;
  std::function<void(uint64_t lines, uint64_t bytes)> on_decided;
  // Optional: where ScanTimestamps adds what it could not read (its
  // warnings); Select reports them in its iterator's read_stats().
  ReadStats* scan_stats = nullptr;
  // Optional, for ScanTimestamps: the caller only counts records per
  // stream in these time windows. Storage may then send a run of records
  // that lies wholly inside every window it touches as a count alone
  // (TimestampRun::timestamps null), without reading it.
  struct CountWindows {
    // Window k, for k < count, is (last_k - width, last_k] with
    // last_k = first_last + k * step.
    TimestampNs first_last = 0;
    int64_t step = 1;
    int64_t width = 0;
    size_t count = 0;
    // Whether every window that holds any of [min, max] holds all of it:
    // no window ends or begins inside the span.
    bool Contains(TimestampNs min, TimestampNs max) const {
      // Whether some origin + k * step, k < count, lies in [min, max).
      auto edge_inside = [&](__int128 origin) {
        __int128 k = min <= origin ? 0 : (static_cast<__int128>(min) - origin + step - 1) / step;
        return k < static_cast<__int128>(count) && origin + k * step < max;
      };
      return step > 0 && !edge_inside(first_last) &&
             !edge_inside(static_cast<__int128>(first_last) - width);
    }
  };
  std::optional<CountWindows> count_windows;

  // Every wanted record holds this text as a whole word (no letter,
  // digit or '_' right before or after it) in its line or in one of its
  // structured metadata values: an id looked up wherever it is kept.
  // Storage skips blocks whose filters rule it out (in parts whose filters
  // cover metadata) and need not return other records; the caller checks
  // again.
  std::string record_contains;
  // Records of audit streams keep their chain link (audit_chain.h) in
  // their metadata; other readers never see it.
  bool keep_audit_chain = false;

  // Whether records must carry their lines: not for timestamps_only, unless
  // literals or filters have to look at them.
  bool needs_lines() const {
    return !timestamps_only || !line_contains.empty() || line_filter || block_filter ||
           !record_contains.empty();
  }
};

// A question about streams rather than records: which streams have
// records in a time range (for label and series lookups), and how many.
struct SeriesRequest {
  std::string tenant;
  TimestampNs start = 0;          // inclusive
  TimestampNs end = 0;            // exclusive
  std::vector<Matcher> matchers;  // all must match; empty: every stream
};

// A stream with records in the range. The counts come from block
// summaries: a block that overlaps the range counts whole.
struct SeriesInfo {
  Labels labels;
  uint64_t entries = 0;
  uint64_t bytes = 0;   // uncompressed
  uint64_t chunks = 0;  // blocks, and one for records not yet in a block
};

// A run of records of one stream, for counting without reading lines:
// their timestamps (ascending within a run, not across runs) and, when
// some record has any, their structured metadata (one per timestamp).
//
// With SelectRequest::count_windows, a run may be a count alone:
// timestamps (and metadata) null, `count` records without metadata
// between min_time and max_time (inclusive), a span that lies wholly
// inside every window it touches.
struct TimestampRun {
  const Labels* stream = nullptr;
  const TimestampNs* timestamps = nullptr;
  const Labels* metadata = nullptr;  // null: no record of the run has any
  size_t count = 0;
  TimestampNs min_time = 0, max_time = 0;  // of a count alone
};

// Iterates records in time order (per the request's direction); records
// with equal timestamps keep their append order when forward. Usage:
//   while (it->Next()) use(it->record());
//   if (!it->status().ok()) ...
class RecordIterator {
 public:
  virtual ~RecordIterator() = default;
  // Advances to the next record; false at the end or on error.
  virtual bool Next() = 0;
  // Valid after Next() returned true, until the next call to Next().
  virtual const Record& record() const = 0;
  virtual Status status() const = 0;
  // What the iterator has read so far.
  virtual ReadStats read_stats() const { return {}; }
};

// Thread-safe: Append and Select may be called concurrently.
class Storage {
 public:
  virtual ~Storage() = default;

  // Appends the batches atomically with respect to crashes: once a
  // kDurable append returns ok, every record in it survives kill -9 and
  // power loss. A non-empty `batch_id` is an idempotency key: an append
  // whose id was stored recently (within the store's window) stores
  // nothing again, and, if durable, returns once the original is durable.
  virtual Status Append(const std::string& tenant, const std::vector<StreamBatch>& batches,
                        Durability durability, std::string_view batch_id) = 0;
  Status Append(const std::string& tenant, const std::vector<StreamBatch>& batches,
                Durability durability) {
    return Append(tenant, batches, durability, {});
  }

  virtual Result<std::unique_ptr<RecordIterator>> Select(const SelectRequest& request) = 0;

  // The streams with records in the request's range, sorted by labels.
  virtual Result<std::vector<SeriesInfo>> Series(const SeriesRequest& request) = 0;

  // Calls fn for runs of the timestamps (and metadata) of the records of
  // streams matching `request` in its range, in no particular order: what
  // counting per time bucket needs. Only request.tenant, start, end,
  // matchers and line_contains apply; with line_contains, only records
  // whose lines hold every literal, decided from a template block's
  // templates where they can be (no line is rebuilt for them); without,
  // no line is read. fn is called on the calling thread; a run's pointers
  // are valid during the call.
  virtual Status ScanTimestamps(const SelectRequest& request,
                                const std::function<void(const TimestampRun&)>& fn) = 0;

  // The tenant's audit chains: each audit stream's head and the cuts
  // retention made. A head counts only records on stable storage, so a
  // head published elsewhere is never one a crash can take back. Stores
  // that keep no chains say so (Unavailable).
  virtual Result<std::vector<AuditChain>> AuditChains(const std::string& /*tenant*/) {
    return Status::Unavailable("this store keeps no audit chains");
  }

  // Makes everything appended so far durable.
  virtual Status Flush() = 0;

  // Flushes and releases files; no other call may follow.
  virtual Status Close() = 0;
};

}  // namespace lode
