// Finding IP addresses in text, for `|= ip("10.0.0.0/8")` line filters
// and `addr = ip("...")` label filters: the text is scanned for runs that
// look like an IPv4 or IPv6 address, each parsed and tested against the
// ranges.
#pragma once

#include <string_view>
#include <vector>

#include "logql/ip_range.h"

namespace lode {

// Whether `text` holds an address inside any of `ranges`.
bool ContainsIpIn(std::string_view text, const std::vector<logql::IpRange>& ranges);

}  // namespace lode
