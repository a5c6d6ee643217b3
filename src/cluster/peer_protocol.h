// What members ask one another: the records a partition's owner holds in
// memory (not yet in parts), for the partitions it owns. One POST of
// /internal/v1/recent per owner and query; bodies are binary:
//
// request:  byte kind (1 records, 2 series, 3 timestamps)
//           lp tenant, varsint start, varsint end, byte direction,
//           varint n, n x (byte type, lp name, lp value)    matchers
//           varint n, n x lp                                line literals
//           varint n, n x varint                            partitions
//           varint wait_ms
// answer:   varint n, n x (varint partition, byte flags, varint covered)
//             flags: 1 owned here, 2 caught up
//           then by kind:
//           1: varint n, n x (varsint ts, varint source, varint seq,
//                             labels stream, lp line, labels metadata)
//           2: varint n, n x (labels, varint entries, bytes, chunks)
//           3: varint n, n x (labels stream, varint count, count x varsint ts,
//                             byte has_metadata, [count x labels])
// where lp is a varint length and bytes, labels as storage/labels_codec.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/head.h"
#include "storage/storage.h"

namespace lode {

enum class RecentKind : uint8_t { kRecords = 1, kSeries = 2, kTimestamps = 3 };

struct RecentRequest {
  RecentKind kind = RecentKind::kRecords;
  // tenant, start, end, matchers, line_contains and direction apply.
  SelectRequest select;
  std::vector<uint32_t> partitions;
  uint32_t wait_ms = 0;
};

struct PartitionAnswer {
  uint32_t partition = 0;
  bool owned = false;      // false: this member no longer owns it
  bool caught_up = false;  // it had applied all the stream held when asked
  uint64_t covered = 0;    // its records are those above this sequence
};

// One run of timestamps, owning its data (a TimestampRun points into it).
struct OwnedTimestampRun {
  Labels stream;
  std::vector<TimestampNs> timestamps;
  std::vector<Labels> metadata;  // empty: none
};

struct RecentAnswer {
  std::vector<PartitionAnswer> partitions;
  std::vector<KeyedRecord> records;
  std::vector<SeriesInfo> series;
  std::vector<OwnedTimestampRun> runs;
};

std::string EncodeRecentRequest(const RecentRequest& request);
Result<RecentRequest> DecodeRecentRequest(std::string_view body);
std::string EncodeRecentAnswer(RecentKind kind, const RecentAnswer& answer);
Result<RecentAnswer> DecodeRecentAnswer(RecentKind kind, std::string_view body);

// How a member reaches another: a POST of `body` to `path` on the member
// at `address` (host:port), answered with the response body. The HTTP
// client lives above the cluster (in the CLI's wiring).
class PeerClient {
 public:
  virtual ~PeerClient() = default;
  virtual Result<std::string> Post(const std::string& address, const std::string& path,
                                   const std::string& body, std::chrono::milliseconds timeout) = 0;
};

}  // namespace lode
