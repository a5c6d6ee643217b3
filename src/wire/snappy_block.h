// Snappy's raw block format (not the framed stream format), which Loki's
// protobuf push and Prometheus remote write use for their bodies.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace lode {

// Decompresses one block. A block whose stated length is over `max_size`
// is refused (ResourceExhausted) before anything is allocated; a corrupt
// block is InvalidArgument.
Result<std::string> DecodeSnappyBlock(std::string_view block, size_t max_size);

}  // namespace lode
