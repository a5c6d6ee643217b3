// Which partition a stream's records go to: a hash of the tenant and the
// stream's canonical labels, so one stream is always in one partition and
// its records stay in order there.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/labels.h"
#include "model/record.h"

namespace lode {

uint32_t PartitionOf(const std::string& tenant, const Labels& stream, uint32_t partitions);

// The batches of one push grouped by partition (each batch whole),
// pointing into `batches`.
std::map<uint32_t, std::vector<const StreamBatch*>> SplitByPartition(
    const std::string& tenant, const std::vector<StreamBatch>& batches, uint32_t partitions);

}  // namespace lode
