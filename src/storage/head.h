// Head: a tenant's records that are in the WAL but not yet in a part,
// grouped by stream in append order. Not thread-safe: TenantLog guards the
// live head with its mutex, and a head being flushed is immutable.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/record.h"
#include "storage/part/part_writer.h"
#include "storage/storage.h"

namespace lode {

struct HeadStream {
  Labels labels;
  std::vector<Entry> entries;  // append order
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
  void Insert(const std::vector<StreamBatch>& batches);
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
  std::map<int64_t, std::vector<part::StreamRecords>> ByDay() const;

 private:
  std::map<std::string, HeadStream> streams_;  // by canonical label text
  uint64_t bytes_ = 0;
  uint64_t records_ = 0;
  std::chrono::steady_clock::time_point first_insert_;
};

// True when `line` contains every one of `literals`.
bool ContainsAll(std::string_view line, const std::vector<std::string>& literals);

// Days since 1970-01-01 (UTC) of a timestamp, rounding towards -infinity.
int64_t DayOf(TimestampNs t);

}  // namespace lode
