// Time and duration parsing and formatting, in the forms the Loki API and
// Prometheus users write them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace lode {

constexpr int64_t kNanosPerSecond = 1'000'000'000;

// Wall clock, nanoseconds since the Unix epoch.
int64_t NowNanos();

// Parses an RFC 3339 time with optional fraction (up to ns) and a `Z` or
// `+hh:mm` offset, e.g. 2024-05-01T12:00:00.5Z.
Result<int64_t> ParseRfc3339(std::string_view text);

// A time as the Loki API takes it: a value containing '.' is float
// seconds; an integer of at most 10 digits is seconds, a longer one
// nanoseconds; anything else RFC 3339.
Result<int64_t> ParseApiTime(std::string_view text);

// A Prometheus-style duration: one or more number+unit terms, units ns us
// µs ms s m h d w y, e.g. 1h30m or 1.5s. Negative durations are rejected.
Result<int64_t> ParseDuration(std::string_view text);

// A duration as Prometheus configuration and rule files write it
// (model.Duration): "0", or integer terms in the order y w d h m s ms, each
// at most once, e.g. 1h30m. No fractions and no units below ms.
Result<int64_t> ParseModelDuration(std::string_view text);

// A duration written as a unit-less number means seconds (e.g. a `step` of
// "15" or "0.5"); otherwise as ParseDuration.
Result<int64_t> ParseSecondsOrDuration(std::string_view text);

// Nanoseconds since the epoch of a UTC calendar time (month 1-12).
int64_t CivilToNanos(int64_t year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                     unsigned second, int64_t nanos);

// The UTC calendar year of a time.
int64_t UtcYear(int64_t nanos);

// The offset of this machine's local time zone from UTC at `nanos`, in
// seconds east of UTC (for formats that write local time with no zone).
int64_t LocalUtcOffsetSeconds(int64_t nanos);

// 2024-05-01T12:00:00.123456789Z; trailing zeros of the fraction dropped
// (Go's RFC3339Nano).
std::string FormatRfc3339Nano(int64_t nanos);

}  // namespace lode
