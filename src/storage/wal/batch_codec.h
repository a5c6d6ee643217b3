// Encoding of one append (a list of stream batches) as a WAL payload:
//   varint  stream count
//   per stream:
//     varint  label count, then per label: lp(name) lp(value)
//     varint  entry count, then per entry:
//       varsint timestamp (ns, zig-zag)
//       lp(line)
//       varint  metadata count, then per pair: lp(name) lp(value)
// where lp(x) is a varint length followed by the bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/record.h"

namespace lode::wal {

void EncodeBatches(std::string& out, const std::vector<StreamBatch>& batches);
// The same for batches held elsewhere.
void EncodeBatches(std::string& out, const std::vector<const StreamBatch*>& batches);
// Fails with Corruption when the payload is malformed; never reads past it.
Result<std::vector<StreamBatch>> DecodeBatches(std::string_view payload);

}  // namespace lode::wal
