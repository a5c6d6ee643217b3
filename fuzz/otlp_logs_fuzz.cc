// Fuzzes the OTLP logs decoders, protobuf and JSON: no input may crash
// them, and every stream they return has labels (service_name at least).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/otlp_logs.h"

namespace {

void Check(const lode::Result<std::vector<lode::StreamBatch>>& batches) {
  if (!batches.ok()) return;
  for (const auto& batch : *batches) {
    if (batch.labels.empty() || batch.entries.empty()) abort();
    if (batch.labels.Get("service_name").empty()) abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  lode::OtlpOptions options;
  Check(lode::DecodeOtlpLogsProto(input, options, 1));
  Check(lode::DecodeOtlpLogsJson(input, options, 1));
  return 0;
}
