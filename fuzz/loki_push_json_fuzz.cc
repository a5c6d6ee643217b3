// Fuzzes the Loki JSON push decoder, the checks every push goes through,
// and the Content-Encoding decoders: no input may crash them, and every
// stream that passes the checks holds valid labels.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/content_encoding.h"
#include "ingest/loki_push_json.h"
#include "ingest/push_validation.h"
#include "ingest/snappy_block.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto batches = lode::DecodeLokiPushJson(input);
  if (batches.ok()) {
    lode::PushReport report;
    lode::ValidateStreams(*batches, lode::IngestLimits{}, 0, report);
    for (const auto& batch : *batches) {
      if (batch.labels.empty() || batch.entries.empty()) abort();
      for (const auto& label : batch.labels) {
        if (!lode::IsValidLabelName(label.name)) abort();
      }
    }
  }
  for (const char* encoding : {"gzip", "deflate"}) {
    auto decoded = lode::DecodeContentEncoding(encoding, input, 1 << 20);
    if (decoded.ok() && decoded->size() > (1 << 20)) abort();
  }
  auto unsnappy = lode::DecodeSnappyBlock(input, 1 << 20);
  if (unsnappy.ok() && unsnappy->size() > (1 << 20)) abort();
  return 0;
}
