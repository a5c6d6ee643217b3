// The two halves of OTLP decoding that work on the protobuf message:
// reading OTLP's JSON encoding into it, and mapping it to streams. Only
// the OTLP decoder's own files include this.
#pragma once

#include <vector>

#include "base/status.h"
#include "ingest/otlp_logs.h"
#include "model/record.h"

namespace simdjson::dom {
class element;
}
namespace lode::wire::otlp {
class ExportLogsServiceRequest;
}

namespace lode {

// The streams of an export request, as otlp_logs.h describes the mapping;
// `now` stamps records without a time.
Result<std::vector<StreamBatch>> MapOtlpRequest(const wire::otlp::ExportLogsServiceRequest& request,
                                                const OtlpOptions& options, TimestampNs now);

// Fills `request` from the JSON encoding of one (the protobuf JSON
// mapping: lowerCamelCase or snake_case names, 64-bit integers as numbers
// or strings, ids in hex, bytes in base64); InvalidArgument naming where
// it is not one.
Status ParseOtlpJsonRequest(simdjson::dom::element root,
                            wire::otlp::ExportLogsServiceRequest* request);

}  // namespace lode
