// The body of one ingest-stream message: the records of one push that
// belong to one partition, with their tenant.
//   byte     format (1)
//   lp       tenant
//   rest     zstd frame (with its checksum) of wal::EncodeBatches, the
//            WAL's own encoding
// where lp is a varint length and the bytes. Compressed because the
// stream stores and replicates every byte three times.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/record.h"

namespace lode {

struct IngestMessage {
  std::string tenant;
  std::vector<StreamBatch> batches;
};

std::string EncodeIngestMessage(const std::string& tenant,
                                const std::vector<const StreamBatch*>& batches);
// Corruption for a body that is not one; never reads past it.
Result<IngestMessage> DecodeIngestMessage(std::string_view body);

}  // namespace lode
