// Head: a tenant's records that are in the WAL but not yet in a part,
// grouped by stream in append order. Not thread-safe: TenantLog guards the
// live head with its mutex, and a head being flushed is immutable.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/record.h"
#include "storage/part/part_writer.h"
#include "storage/storage.h"

namespace lode {

// A record in a head: its line is in the head's arena, its metadata (rare)
// in a side table.
struct HeadEntry {
  TimestampNs timestamp = 0;
  const char* line = nullptr;
  uint32_t length = 0;    // a line is in one WAL frame: at most 64 MiB
  uint32_t metadata = 0;  // index + 1 into the head's metadata; 0: none

  std::string_view line_view() const { return std::string_view(line, length); }
};

struct HeadStream {
  Labels labels;
  std::vector<HeadEntry> entries;  // append order
};

// Line bytes of a head, packed into large chunks: one allocation per
// chunk instead of one per line, and no per-line allocator overhead.
// Chunks are mapped from the kernel directly, and with the arena go to a
// pool for the next heads (at most 32 MiB, one head) or back to the system, rather
// than staying in the allocator's heap, where they left the resident
// size far above what was in use. Views stay valid for the arena's life.
class LineArena {
 public:
  LineArena() = default;
  LineArena(const LineArena&) = delete;
  LineArena& operator=(const LineArena&) = delete;
  ~LineArena();

  std::string_view Add(std::string_view bytes);
  // Bytes of the chunks allocated.
  uint64_t capacity() const { return capacity_; }

 private:
  // A chunk of at least `size` bytes; `size` is set to its size. Throws
  // std::bad_alloc.
  char* NewChunk(size_t& size);

  std::vector<std::pair<char*, size_t>> chunks_;
  char* at_ = nullptr;
  size_t left_ = 0;
  size_t next_chunk_ = 64u << 10;  // doubles up to kMaxChunk
  uint64_t capacity_ = 0;
};

// A record found by a read, with the key that orders equal timestamps:
// older sources first, then append order within a source.
struct KeyedRecord {
  TimestampNs timestamp;
  uint64_t source;
  uint64_t seq;
  Record record;
};

class Head {
 public:
  // `now` (monotonic) is the head's first insert when it is empty.
  void Insert(const std::vector<StreamBatch>& batches, std::chrono::steady_clock::time_point now);
  // Appends every record of `other`, stream by stream in its append order.
  void MergeFrom(const Head& other);

  uint64_t bytes() const { return bytes_; }
  uint64_t records() const { return records_; }
  bool empty() const { return records_ == 0; }
  std::chrono::steady_clock::time_point first_insert() const { return first_insert_; }

  // Appends the records matching `request` (labels, time range, and the
  // line_contains literals) to `out`, keyed with `source`.
  void Collect(const SelectRequest& request, uint64_t source, std::vector<KeyedRecord>& out) const;

  // The head's records split by UTC day (days since the epoch), each day's
  // streams sorted by labels and their entries by time, ready for
  // WritePart. Pointers refer into this head.
  // Calls fn with the timestamps (and metadata) of each matching stream's
  // records in the request's range.
  void ScanTimestamps(const SelectRequest& request,
                      const std::function<void(const TimestampRun&)>& fn) const;
  // Adds the head's streams matching `request` with records in its range
  // to *out (keyed by canonical labels), counting records and line bytes.
  void CollectSeries(const SeriesRequest& request, std::map<std::string, SeriesInfo>* out) const;
  std::map<int64_t, std::vector<part::StreamRecords>> ByDay() const;

 private:
  void Add(HeadStream& stream, TimestampNs timestamp, std::string_view line,
           const Labels* metadata);

  std::map<std::string, HeadStream> streams_;  // by canonical label text
  LineArena lines_;
  std::vector<Labels> metadata_;
  uint64_t bytes_ = 0;
  uint64_t records_ = 0;
  std::chrono::steady_clock::time_point first_insert_;
};

// True when `line` contains every one of `literals`.
bool ContainsAll(std::string_view line, const std::vector<std::string>& literals);
// Whether `word` is in `text` with no word byte ([A-Za-z0-9_], >= 0x80)
// glued to either end.
bool ContainsWord(std::string_view text, std::string_view word);
// SelectRequest::record_contains: true when `text` is empty, or a word of
// the line or of a metadata value.
bool RecordContains(std::string_view line, const Labels& metadata, std::string_view text);

// Days since 1970-01-01 (UTC) of a timestamp, rounding towards -infinity.
int64_t DayOf(TimestampNs t);

}  // namespace lode
