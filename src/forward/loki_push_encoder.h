// Encodes streams as the Loki push API's protobuf body: a PushRequest of
// StreamAdapters, with timestamps, lines (bytes, so a line that is not
// UTF-8 arrives as it was) and structured metadata. What lode forward and
// lode import send; the server's decoder is ingest/loki_push_proto.h.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "model/record.h"

namespace lode {

// The PushRequest, not compressed.
std::string EncodeLokiPushProto(const std::vector<StreamBatch>& batches);

// One stream's entries as a request body: the PushRequest in raw (block)
// snappy, as Content-Type application/x-protobuf expects.
std::string EncodeLokiPushBody(const Labels& labels, std::span<const Entry> entries);

}  // namespace lode
