// Fuzzes what a cluster member decodes from outside itself: catalog
// entries (KV), ingest-stream messages, and other members' questions and
// answers. No input may crash them, and what a decoder accepts must
// encode again to something it accepts the same.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cluster/catalog.h"
#include "cluster/ingest_message.h"
#include "cluster/peer_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto state = lode::DecodePartitionState(input);
      if (state.ok()) {
        auto again = lode::DecodePartitionState(lode::EncodePartitionState(*state));
        if (!again.ok() || again->parts.size() != state->parts.size() ||
            again->covered != state->covered) {
          abort();
        }
      }
      break;
    }
    case 1: {
      auto message = lode::DecodeIngestMessage(input);
      if (message.ok()) {
        std::vector<const lode::StreamBatch*> batches;
        for (const auto& b : message->batches) batches.push_back(&b);
        auto again = lode::DecodeIngestMessage(lode::EncodeIngestMessage(message->tenant, batches));
        if (!again.ok() || again->batches.size() != message->batches.size()) abort();
      }
      break;
    }
    case 2: {
      auto request = lode::DecodeRecentRequest(input);
      if (request.ok()) {
        auto again = lode::DecodeRecentRequest(lode::EncodeRecentRequest(*request));
        if (!again.ok() || again->partitions != request->partitions) abort();
      }
      break;
    }
    case 3: {
      const auto kind = static_cast<lode::RecentKind>(1 + size % 3);
      auto answer = lode::DecodeRecentAnswer(kind, input);
      if (answer.ok()) {
        auto again = lode::DecodeRecentAnswer(kind, lode::EncodeRecentAnswer(kind, *answer));
        if (!again.ok() || again->records.size() != answer->records.size()) abort();
      }
      break;
    }
  }
  return 0;
}
