#include "storage/wal/wal_reader.h"

#include "base/coding.h"
#include "base/crc32c.h"

namespace lode::wal {
namespace {

bool KnownType(uint8_t type) {
  return type == static_cast<uint8_t>(FrameType::kBatch) ||
         type == static_cast<uint8_t>(FrameType::kBatchWithId);
}

// Why the frame at `pos` is not valid, or empty when it is (a whole
// frame of a known type whose checksum holds). Sets `end` past it.
std::string CheckFrame(std::string_view data, size_t pos, size_t& end) {
  if (data.size() - pos < kFrameHeaderSize) return "truncated frame header";
  const uint32_t crc = DecodeFixed32(data.data() + pos);
  const uint32_t length = DecodeFixed32(data.data() + pos + 4);
  if (length > kMaxPayloadSize) {
    return "frame length " + std::to_string(length) + " exceeds limit";
  }
  if (data.size() - pos - kFrameHeaderSize < length) return "truncated frame payload";
  if (crc32c::Extend(0, data.data() + pos + 4, kFrameHeaderSize - 4 + length) != crc) {
    return "checksum mismatch";
  }
  const uint8_t type = static_cast<uint8_t>(data[pos + 8]);
  if (!KnownType(type)) return "unknown frame type " + std::to_string(type);
  end = pos + kFrameHeaderSize + length;
  return "";
}

// The frame after the invalid one at `bad`, when the bad frame's length
// still points to a valid frame (a flipped bit in its payload, checksum or
// type), or npos. Only its length is followed, never a search through
// the bytes after it: a frame found inside a payload would be a pushed
// line's bytes, not a frame, and a search could take hours on crafted
// lines. A crash's hole reads as zeros, whose length of 0 points to no
// frame: such a tail stays a tail.
size_t NextValidFrame(std::string_view data, size_t bad) {
  if (data.size() - bad < kFrameHeaderSize) return std::string_view::npos;
  const uint32_t length = DecodeFixed32(data.data() + bad + 4);
  if (length == 0 || length > kMaxPayloadSize) return std::string_view::npos;
  const size_t next = bad + kFrameHeaderSize + length;
  size_t end;
  if (next < data.size() && CheckFrame(data, next, end).empty()) return next;
  return std::string_view::npos;
}

}  // namespace

Result<SegmentScan> ScanSegment(
    std::string_view data,
    const std::function<Status(FrameType type, std::string_view payload)>& on_frame) {
  SegmentScan scan;
  scan.total_bytes = data.size();
  size_t pos = 0;
  while (pos < data.size()) {
    size_t end = 0;
    std::string why = CheckFrame(data, pos, end);
    if (!why.empty()) {
      const size_t next = NextValidFrame(data, pos);
      if (next == std::string_view::npos) {
        scan.stop_reason = std::move(why);
        break;
      }
      scan.damaged.push_back(DamagedRange{pos, next - pos, std::move(why)});
      pos = next;
      continue;
    }
    const auto type = static_cast<FrameType>(data[pos + 8]);
    LODE_RETURN_IF_ERROR(
        on_frame(type, data.substr(pos + kFrameHeaderSize, end - pos - kFrameHeaderSize)));
    pos = end;
    scan.valid_bytes = pos;
    ++scan.frames;
  }
  return scan;
}

}  // namespace lode::wal
