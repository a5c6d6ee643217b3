// Fuzzes WAL recovery: scanning a segment of arbitrary bytes and decoding
// each frame's batch must never crash or read out of bounds; whatever
// decodes must re-encode to the same payload.
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
