// Reads a WAL segment back, frame by frame, verifying each checksum.
// Recovery uses it to find where the valid prefix of a segment ends: a
// torn or corrupted frame ends the segment there.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/wal/wal_format.h"

namespace lode::wal {

struct SegmentScan {
  uint64_t valid_bytes = 0;  // length of the prefix made of whole, valid frames
  uint64_t total_bytes = 0;
  uint64_t frames = 0;
  // Why the scan stopped before total_bytes (empty when it did not).
  std::string stop_reason;
  bool clean() const { return valid_bytes == total_bytes; }
};

// Calls `on_frame` for every valid frame of `data` (a whole segment) in
// order, stopping at the first frame that is truncated, fails its
// checksum, or has an unknown type. A non-ok status from `on_frame` stops
// the scan and is returned.
Result<SegmentScan> ScanSegment(
    std::string_view data,
    const std::function<Status(FrameType type, std::string_view payload)>& on_frame);

}  // namespace lode::wal
