#include "storage/wal/wal_reader.h"

#include "base/coding.h"
#include "base/crc32c.h"

namespace lode::wal {

Result<SegmentScan> ScanSegment(
    std::string_view data,
    const std::function<Status(FrameType type, std::string_view payload)>& on_frame) {
  SegmentScan scan;
  scan.total_bytes = data.size();
  size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < kFrameHeaderSize) {
      scan.stop_reason = "truncated frame header";
      break;
    }
    uint32_t crc = DecodeFixed32(data.data() + pos);
    uint32_t length = DecodeFixed32(data.data() + pos + 4);
    uint8_t type = static_cast<uint8_t>(data[pos + 8]);
    if (length > kMaxPayloadSize) {
      scan.stop_reason = "frame length " + std::to_string(length) + " exceeds limit";
      break;
    }
    if (data.size() - pos - kFrameHeaderSize < length) {
      scan.stop_reason = "truncated frame payload";
      break;
    }
    uint32_t actual = crc32c::Extend(0, data.data() + pos + 4, kFrameHeaderSize - 4 + length);
    if (actual != crc) {
      scan.stop_reason = "checksum mismatch";
      break;
    }
    if (type != static_cast<uint8_t>(FrameType::kBatch) &&
        type != static_cast<uint8_t>(FrameType::kBatchWithId)) {
      scan.stop_reason = "unknown frame type " + std::to_string(type);
      break;
    }
    std::string_view payload = data.substr(pos + kFrameHeaderSize, length);
    LODE_RETURN_IF_ERROR(on_frame(static_cast<FrameType>(type), payload));
    pos += kFrameHeaderSize + length;
    scan.valid_bytes = pos;
    ++scan.frames;
  }
  return scan;
}

}  // namespace lode::wal
