// Decoder for the Loki push API's protobuf body (after snappy): a
// PushRequest of StreamAdapters, each with its labels as text and its
// entries with timestamps, lines and structured metadata. The encoder
// for clients is forward/loki_push_encoder.h.
#pragma once

#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/push_report.h"
#include "model/record.h"

namespace lode {

// A body that is not a PushRequest is InvalidArgument. A stream whose
// labels do not parse is refused in `report` (its entries counted), and
// the others are returned.
Result<std::vector<StreamBatch>> DecodeLokiPushProto(std::string_view body, PushReport& report);

}  // namespace lode
