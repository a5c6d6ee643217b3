// Reads a WAL segment back, frame by frame, verifying each checksum.
// Recovery uses it to find where a segment's frames end (a torn tail, as
// a crash leaves it, is cut off there) and which frames in the middle are
// damaged (the frames after them are still read).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/wal/wal_format.h"

namespace lode::wal {

// A frame in the middle of a segment that fails its checks while its
// length points to a valid frame: damage (a flipped bit, an edit), not a
// torn write.
struct DamagedRange {
  uint64_t offset = 0;
  uint64_t bytes = 0;
  std::string reason;
};

struct SegmentScan {
  // Where the segment's last valid frame ends: what follows (a torn or
  // corrupt tail, with no valid frame in it) is not read.
  uint64_t valid_bytes = 0;
  uint64_t total_bytes = 0;
  uint64_t frames = 0;
  // Skipped before valid_bytes, in order.
  std::vector<DamagedRange> damaged;
  // Why the scan stopped before total_bytes (empty when it did not).
  std::string stop_reason;
  bool torn() const { return valid_bytes != total_bytes; }
  bool clean() const { return !torn() && damaged.empty(); }
};

// Calls `on_frame` for every valid frame of `data` (a whole segment) in
// order. A frame that is truncated, fails its checksum, or has an unknown
// type is damage when its length points to a valid frame (the scan goes
// on from there), and the start of the tail otherwise (the scan stops).
// A non-ok status from `on_frame` stops the scan and is returned.
Result<SegmentScan> ScanSegment(
    std::string_view data,
    const std::function<Status(FrameType type, std::string_view payload)>& on_frame);

}  // namespace lode::wal
