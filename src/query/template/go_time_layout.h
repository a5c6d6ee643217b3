// Go's reference-time layouts ("2006-01-02T15:04:05.000Z07:00"), cut
// into chunks as Go's time package cuts them, and the calendar both
// FormatGoTime (go_time_format.cc) and ParseGoTime (go_time_parse.cc)
// work in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lode::tmpl {

enum class Chunk {
  kNone,
  kLongMonth,              // January
  kMonth,                  // Jan
  kNumMonth,               // 1
  kZeroMonth,              // 01
  kLongWeekDay,            // Monday
  kWeekDay,                // Mon
  kDay,                    // 2
  kUnderDay,               // _2
  kZeroDay,                // 02
  kUnderYearDay,           // __2
  kZeroYearDay,            // 002
  kHour,                   // 15
  kHour12,                 // 3
  kZeroHour12,             // 03
  kMinute,                 // 4
  kZeroMinute,             // 04
  kSecond,                 // 5
  kZeroSecond,             // 05
  kLongYear,               // 2006
  kYear,                   // 06
  kPM,                     // PM
  kpm,                     // pm
  kTZ,                     // MST
  kISO8601TZ,              // Z0700
  kISO8601SecondsTZ,       // Z070000
  kISO8601ShortTZ,         // Z07
  kISO8601ColonTZ,         // Z07:00
  kISO8601ColonSecondsTZ,  // Z07:00:00
  kNumTZ,                  // -0700
  kNumSecondsTz,           // -070000
  kNumShortTZ,             // -07
  kNumColonTZ,             // -07:00
  kNumColonSecondsTZ,      // -07:00:00
  kFracSecond0,            // .000: fixed digits
  kFracSecond9,            // .999: trailing zeros dropped
};

// One chunk of a layout.
struct Found {
  Chunk chunk = Chunk::kNone;
  size_t pos = 0;  // where it starts
  size_t len = 0;  // its length in the layout
  int digits = 0;  // fraction digits
  char sep = '.';  // fraction separator
};

// The next layout chunk at or after `from` (Go's nextStdChunk); kNone at
// the layout's end.
Found NextChunk(std::string_view layout, size_t from);

extern const char* const kLongMonths[12];  // "January", ...
extern const char* const kLongDays[7];     // "Sunday", ...

// A time's fields in its zone.
struct Civil {
  int64_t year;
  int month, day, hour, minute, second, yday, wday;
  int64_t nanos;
};

// The fields of `ns` nanoseconds since the epoch (kZeroTime: Go's zero
// time) at `offset_s` east of UTC.
Civil ToCivil(int64_t ns, int32_t offset_s);
// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, int m, int d);

}  // namespace lode::tmpl
