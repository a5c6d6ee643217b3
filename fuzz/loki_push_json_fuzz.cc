// Fuzzes the Loki JSON push decoder and the Content-Encoding decoder: no
// input may crash them, and every accepted body must hold valid labels.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/content_encoding.h"
#include "ingest/loki_push_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto batches = lode::DecodeLokiPushJson(input);
  if (batches.ok()) {
    for (const auto& batch : *batches) {
      if (batch.labels.empty()) abort();
      for (const auto& label : batch.labels) {
        if (!lode::IsValidLabelName(label.name)) abort();
      }
    }
  }
  for (const char* encoding : {"gzip", "deflate"}) {
    auto decoded = lode::DecodeContentEncoding(encoding, input, 1 << 20);
    if (decoded.ok() && decoded->size() > (1 << 20)) abort();
  }
  return 0;
}
