// Fuzzes the Loki protobuf push decoder: no input may crash it; it must
// accept exactly what the protobuf library parses as a PushRequest, with
// the same lines, times and metadata; what it accepts and the checks pass
// must hold valid labels and survive an encode/decode round trip
// unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/push_validation.h"
#include "proto/loki_push.pb.h"
#include "wire/loki_push_proto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  lode::PushReport report;
  auto batches = lode::DecodeLokiPushProto(input, report);
  lode::wire::loki::PushRequest request;
  const bool parsed = request.ParseFromArray(data, static_cast<int>(size));
  if (parsed != batches.ok()) abort();
  if (!batches.ok()) return 0;
  // The library's streams, less those whose labels or times are refused,
  // are the decoder's, in order.
  size_t next = 0;
  for (const auto& stream : request.streams()) {
    auto labels = lode::Labels::Parse(stream.labels());
    if (!labels.ok()) continue;
    if (next >= batches->size() || (*batches)[next].labels != *labels) abort();
    const auto& entries = (*batches)[next++].entries;
    size_t e = 0;
    for (const auto& in : stream.entries()) {
      int64_t ns = 0;
      if (__builtin_mul_overflow(in.timestamp().seconds(), int64_t{1'000'000'000}, &ns) ||
          __builtin_add_overflow(ns, int64_t{in.timestamp().nanos()}, &ns)) {
        continue;
      }
      std::vector<lode::Label> metadata;
      for (const auto& pair : in.structured_metadata()) {
        metadata.push_back(lode::Label{pair.name(), pair.value()});
      }
      if (e >= entries.size() || entries[e].timestamp != ns || entries[e].line != in.line() ||
          entries[e].metadata != lode::Labels(std::move(metadata))) {
        abort();
      }
      ++e;
    }
    if (e != entries.size()) abort();
  }
  if (next != batches->size()) abort();
  lode::IngestLimits limits;
  limits.creation_grace_period_ns = 0;
  lode::ValidateStreams(*batches, limits, 0, report);
  for (const auto& batch : *batches) {
    if (batch.labels.empty()) abort();
    for (const auto& label : batch.labels) {
      if (!lode::IsValidLabelName(label.name)) abort();
    }
  }
  lode::PushReport again_report;
  auto again = lode::DecodeLokiPushProto(lode::EncodeLokiPushProto(*batches), again_report);
  if (!again.ok() || again->size() != batches->size()) abort();
  for (size_t i = 0; i < batches->size(); ++i) {
    const auto& a = (*batches)[i];
    const auto& b = (*again)[i];
    if (a.labels != b.labels || a.entries.size() != b.entries.size()) abort();
    for (size_t j = 0; j < a.entries.size(); ++j) {
      if (a.entries[j].timestamp != b.entries[j].timestamp ||
          a.entries[j].line != b.entries[j].line ||
          a.entries[j].metadata != b.entries[j].metadata) {
        abort();
      }
    }
  }
  return 0;
}
