// Decoder for the Loki push API's JSON body:
//   {"streams":[{"stream":{"app":"x"},
//                "values":[["<ns as string>","line"],["<ns>","line",{"k":"v"}]]}]}
// The optional third element of a value is structured metadata.
#pragma once

#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/record.h"

namespace lode {

// Decodes the whole body. Errors are InvalidArgument and name the place,
// e.g. "streams[1].values[3][0]: timestamp must be a string of
// nanoseconds". Label names are validated; entries of a stream keep their
// order.
Result<std::vector<StreamBatch>> DecodeLokiPushJson(std::string_view body);

}  // namespace lode
