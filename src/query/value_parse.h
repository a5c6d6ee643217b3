// Reading numbers out of label values, as LogQL does for label filters,
// `unwrap` and the bytes/duration template functions: Go's float syntax,
// Go durations ("1h15m30.5s") and human byte sizes ("10 MiB", "3kB").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace lode {

// Go's strconv.ParseFloat(s, 64): sign, digits with `_` separators, `.`,
// exponent, hex floats with a `p` exponent, inf/infinity/nan in any case.
// No spaces or units. Out of range is an error.
Result<double> ParseGoFloat(std::string_view s);

// Go's time.ParseDuration: `[-+]?(number unit)+` with units ns us µs μs
// ms s m h; "0" alone is zero. In nanoseconds.
Result<int64_t> ParseGoDuration(std::string_view s);

// Go's Duration.Seconds(): whole seconds plus the fraction, each exact.
inline double GoDurationSeconds(int64_t ns) {
  return static_cast<double>(ns / 1000000000) + static_cast<double>(ns % 1000000000) / 1e9;
}

// go-humanize's ParseBytes: a number (`,` separators allowed), optional
// spaces, and a unit from B, kB/KiB ... EB/EiB, any case (k = kB).
// Truncated to whole bytes.
Result<uint64_t> ParseHumanBytes(std::string_view s);

}  // namespace lode
