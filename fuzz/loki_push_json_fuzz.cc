// Fuzzes the Loki JSON push decoder, the checks every push goes through,
// the /insert/jsonl and /insert/plain decoders, and the Content-Encoding
// decoders: no input may crash them, and every
// stream that passes the checks holds valid labels.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/bulk_lines.h"
#include "ingest/content_encoding.h"
#include "ingest/push_validation.h"
#include "wire/loki_push_json.h"
#include "wire/snappy_block.h"

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
  // The same bytes as /insert/jsonl and /insert/plain bodies.
  lode::JsonLinesOptions jsonl;
  jsonl.stream_fields = {"app", "a.b"};
  jsonl.labels = lode::Labels{{"job", "fuzz"}};
  lode::PushReport jsonl_report;
  for (const auto& batch : lode::DecodeJsonLines(input, jsonl, 1, jsonl_report)) {
    if (batch.labels.Get("job") != "fuzz" || batch.entries.empty()) abort();
  }
  jsonl.msg_field = "msg";
  (void)lode::DecodeJsonLines(input, jsonl, 1, jsonl_report);
  (void)lode::DecodePlainLines(input, jsonl.labels, "auto", 1);
  auto unsnappy = lode::DecodeSnappyBlock(input, 1 << 20);
  if (unsnappy.ok() && unsnappy->size() > (1 << 20)) abort();
  return 0;
}
