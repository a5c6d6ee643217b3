#include "storage/wal/batch_codec.h"

#include "base/coding.h"

namespace lode::wal {
namespace {

void EncodeLabels(std::string& out, const Labels& labels) {
  PutVarint64(out, labels.size());
  for (const Label& l : labels) {
    PutLengthPrefixed(out, l.name);
    PutLengthPrefixed(out, l.value);
  }
}

// Each label takes at least two bytes, so a count above remaining/2 is a
// corrupt count, caught before any allocation.
bool DecodeLabels(Decoder& d, Labels& out) {
  uint64_t n = d.Varint64();
  if (!d.ok() || n > d.remaining() / 2) return false;
  std::vector<Label> labels;
  labels.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name = d.LengthPrefixed();
    std::string_view value = d.LengthPrefixed();
    if (!d.ok()) return false;
    labels.push_back(Label{std::string(name), std::string(value)});
  }
  out = Labels(std::move(labels));
  return true;
}

}  // namespace

void EncodeBatches(std::string& out, const std::vector<StreamBatch>& batches) {
  PutVarint64(out, batches.size());
  for (const StreamBatch& batch : batches) {
    EncodeLabels(out, batch.labels);
    PutVarint64(out, batch.entries.size());
    for (const Entry& e : batch.entries) {
      PutVarsint64(out, e.timestamp);
      PutLengthPrefixed(out, e.line);
      EncodeLabels(out, e.metadata);
    }
  }
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
