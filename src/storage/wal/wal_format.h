// The write-ahead log's framing, shared by writer and reader. The byte
// layout is specified in docs/format/wal.md.
//
// A segment file is a sequence of frames:
//   crc32c   u32 LE   over the 5 header bytes after it and the payload
//   length   u32 LE   payload length in bytes
//   type     u8       FrameType
//   payload  length bytes
#pragma once

#include <cstddef>
#include <cstdint>

namespace lode::wal {

constexpr size_t kFrameHeaderSize = 9;
// A frame larger than this is treated as corruption by the reader, so a
// damaged length field cannot make it allocate gigabytes.
constexpr uint32_t kMaxPayloadSize = 64u << 20;

enum class FrameType : uint8_t {
  kBatch = 1,        // one append: see batch_codec.h
  kBatchWithId = 2,  // lp(batch id) followed by a kBatch payload
};

}  // namespace lode::wal
