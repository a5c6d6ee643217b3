// The argument of `ip("...")` in line and label filters: one address,
// a range `a-b`, or a CIDR `a/n`, IPv4 or IPv6.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace lode::logql {

// Addresses as 16 bytes, IPv4 mapped into ::ffff:0:0/96, so one
// comparison covers both families.
using IpAddress = std::array<unsigned char, 16>;

std::optional<IpAddress> ParseIpAddress(std::string_view text);

struct IpRange {
  IpAddress low{}, high{};  // inclusive
  bool Contains(const IpAddress& a) const { return low <= a && a <= high; }
};

// Nullopt when `text` is none of the three forms (or a range runs
// backwards, or mixes families).
std::optional<IpRange> ParseIpRange(std::string_view text);

}  // namespace lode::logql
