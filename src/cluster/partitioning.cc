#include "cluster/partitioning.h"

#include <xxhash.h>

namespace lode {

uint32_t PartitionOf(const std::string& tenant, const Labels& stream, uint32_t partitions) {
  std::string key = tenant;
  key.push_back('\0');
  key += stream.ToString();
  // Jump-free modulo is fine: partitions never change for a cluster.
  return static_cast<uint32_t>(XXH3_64bits(key.data(), key.size()) % partitions);
}

std::map<uint32_t, std::vector<const StreamBatch*>> SplitByPartition(
    const std::string& tenant, const std::vector<StreamBatch>& batches, uint32_t partitions) {
  std::map<uint32_t, std::vector<const StreamBatch*>> out;
  for (const StreamBatch& batch : batches) {
    out[PartitionOf(tenant, batch.labels, partitions)].push_back(&batch);
  }
  return out;
}

}  // namespace lode
