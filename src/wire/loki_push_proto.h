// The Loki push API's protobuf body: a PushRequest of StreamAdapters, each
// with its labels as text and its entries with timestamps, lines (bytes,
// so a line that is not UTF-8 arrives as it was) and structured metadata.
// The encoder is what lode forward and lode import send; the decoder reads
// what the server receives, once ingest/loki_push.h has undone the body's
// compression.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/push_report.h"
#include "model/record.h"

namespace lode {

// The PushRequest, not compressed.
std::string EncodeLokiPushProto(const std::vector<StreamBatch>& batches);

// One stream's entries as a request body: the PushRequest in raw (block)
// snappy, as Content-Type application/x-protobuf expects.
std::string EncodeLokiPushBody(const Labels& labels, std::span<const Entry> entries);

// How decoded lines hold their bytes: copies, or views of the body (no
// allocation per line; the body must then outlive the streams).
enum class DecodedLines { kCopied, kViewsOfBody };

// A body that is not a PushRequest is InvalidArgument. A stream whose
// labels do not parse is refused in `report` (its entries counted), and
// the others are returned.
Result<std::vector<StreamBatch>> DecodeLokiPushProto(std::string_view body, PushReport& report,
                                                     DecodedLines lines = DecodedLines::kCopied);

}  // namespace lode
