// Network addresses as flags and config files write them.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace lode {

// Splits "host:port", "[v6]:port" or ":port" (all interfaces).
Status SplitHostPort(const std::string& listen, std::string& host, uint16_t& port);

}  // namespace lode
