#include "storage/wal/batch_codec.h"

#include "base/coding.h"
#include "storage/labels_codec.h"

namespace lode::wal {
namespace {

void EncodeBatch(std::string& out, const StreamBatch& batch) {
  EncodeLabels(out, batch.labels);
  PutVarint64(out, batch.entries.size());
  for (const Entry& e : batch.entries) {
    PutVarsint64(out, e.timestamp);
    PutLengthPrefixed(out, e.line);
    EncodeLabels(out, e.metadata);
  }
}

// About the bytes EncodeBatch writes for `batch` (at least its lines'):
// reserved first, so that a push of many lines is not copied as its frame
// grows.
size_t EncodedSizeHint(const StreamBatch& batch) {
  size_t bytes = 16;
  for (const Label& l : batch.labels) bytes += l.name.size() + l.value.size() + 4;
  for (const Entry& e : batch.entries) {
    bytes += e.line.size() + 16;
    for (const Label& m : e.metadata) bytes += m.name.size() + m.value.size() + 4;
  }
  return bytes;
}

}  // namespace

void EncodeBatches(std::string& out, const std::vector<StreamBatch>& batches) {
  size_t hint = 0;
  for (const StreamBatch& batch : batches) hint += EncodedSizeHint(batch);
  out.reserve(out.size() + hint);
  PutVarint64(out, batches.size());
  for (const StreamBatch& batch : batches) EncodeBatch(out, batch);
}

void EncodeBatches(std::string& out, const std::vector<const StreamBatch*>& batches) {
  size_t hint = 0;
  for (const StreamBatch* batch : batches) hint += EncodedSizeHint(*batch);
  out.reserve(out.size() + hint);
  PutVarint64(out, batches.size());
  for (const StreamBatch* batch : batches) EncodeBatch(out, *batch);
}

Result<std::vector<StreamBatch>> DecodeBatches(std::string_view payload) {
  Decoder d(payload);
  auto corrupt = [&] {
    return Status::Corruption("malformed batch payload at byte " + std::to_string(d.position()));
  };
  uint64_t streams = d.Varint64();
  if (!d.ok() || streams > d.remaining()) return corrupt();
  std::vector<StreamBatch> batches(streams);
  for (StreamBatch& batch : batches) {
    if (!DecodeLabels(d, batch.labels)) return corrupt();
    uint64_t entries = d.Varint64();
    if (!d.ok() || entries > d.remaining() / 3) return corrupt();
    batch.entries.resize(entries);
    for (Entry& e : batch.entries) {
      e.timestamp = d.Varsint64();
      e.line = std::string(d.LengthPrefixed());
      if (!d.ok() || !DecodeLabels(d, e.metadata)) return corrupt();
    }
  }
  if (d.remaining() != 0) return corrupt();
  return batches;
}

}  // namespace lode::wal
