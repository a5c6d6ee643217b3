// Fuzzes the Loki protobuf push decoder: no input may crash it; what it
// accepts and the checks pass must hold valid labels and survive an
// encode/decode round trip unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/push_validation.h"
#include "wire/loki_push_proto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  lode::PushReport report;
  auto batches = lode::DecodeLokiPushProto(input, report);
  if (!batches.ok()) return 0;
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
