// Fuzzes WAL recovery: scanning a segment of arbitrary bytes and decoding
// each frame's batch must never crash or read out of bounds; whatever
// decodes must re-encode to the same payload; what recovery keeps of a
// damaged segment must read back clean.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "storage/wal/batch_codec.h"
#include "storage/wal/wal_reader.h"
#include "storage/wal/wal_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto check_payload = [](std::string_view payload) {
    auto batches = lode::wal::DecodeBatches(payload);
    if (!batches.ok()) return;
    std::string again;
    lode::wal::EncodeBatches(again, *batches);
    auto twice = lode::wal::DecodeBatches(again);
    if (!twice.ok() || twice->size() != batches->size()) abort();
  };
  // The raw input as a segment...
  auto scan = lode::wal::ScanSegment(input, [&](lode::wal::FrameType, std::string_view p) {
    check_payload(p);
    return lode::Status::Ok();
  });
  if (scan.ok() && scan->valid_bytes > size) abort();
  if (scan.ok()) {
    // Damaged ranges lie in order before the tail; what recovery keeps
    // (the input less them and the tail) reads back clean, frame for
    // frame.
    std::string kept;
    uint64_t at = 0;
    for (const lode::wal::DamagedRange& d : scan->damaged) {
      if (d.offset < at || d.bytes == 0 || d.offset + d.bytes > scan->valid_bytes) abort();
      kept.append(input.substr(at, d.offset - at));
      at = d.offset + d.bytes;
    }
    if (at > scan->valid_bytes && !scan->damaged.empty()) abort();
    kept.append(input.substr(at, scan->valid_bytes - at));
    auto again = lode::wal::ScanSegment(
        kept, [](lode::wal::FrameType, std::string_view) { return lode::Status::Ok(); });
    if (!again.ok() || !again->clean() || again->frames != scan->frames) abort();
  }
  // ...and as a payload inside a valid frame, to reach the batch decoder.
  std::string framed;
  lode::wal::WalWriter::EncodeFrame(framed, lode::wal::FrameType::kBatch, input);
  auto scan2 = lode::wal::ScanSegment(framed, [&](lode::wal::FrameType, std::string_view p) {
    check_payload(p);
    return lode::Status::Ok();
  });
  if (!scan2.ok() || !scan2->clean() || scan2->frames != 1) abort();
  return 0;
}
