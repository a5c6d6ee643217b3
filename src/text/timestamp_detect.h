// Finding the time a log line was written, in the formats logs are
// written in, for importing existing files and for plain text ingest:
//   RFC 3339 / ISO 8601   2024-05-01T12:00:00.123Z, 2024-05-01 12:00:00+02:00
//   Java and Python       2024-05-01 12:00:00,123 (zone-less: local time)
//   syslog (RFC 3164)     May  1 12:00:00 (no year: the current one)
//   Apache and nginx      [01/May/2024:12:00:00 +0000]
//   ctime, Apache errors  [Wed May 01 12:00:00 2024] (local time)
//   epoch                 1714564800, 1714564800123, ...123456789 (s, ms, us, ns)
// at the start of the line, after a '[' there, or at the first '[' of the
// line's first 64 bytes (access logs put the time after the client); in a
// JSON line, in its "@timestamp", "timestamp", "time", "ts", "datetime" or
// "date" field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace lode {

enum class TimeFormat {
  kNone,
  kRfc3339,  // with T or space, optional fraction, Z / ±hh:mm / none
  kJava,     // yyyy-MM-dd HH:mm:ss,SSS (comma fraction)
  kSyslog,   // Mmm dd HH:mm:ss
  kApache,   // dd/Mmm/yyyy:HH:mm:ss ±hhmm
  kCtime,    // Www Mmm dd HH:mm:ss yyyy
  kEpoch,    // digits: seconds, ms, us or ns by length
  kPattern,  // a user's strptime-style pattern
};

// A syslog (RFC 3164) time "Mmm dd HH:mm:ss[.fraction]" at the start of
// `s`, in local time (`local_offset_ns` east of UTC) of the year of
// `now`, or of the year before when that would be more than a day ahead.
// Advances `s` past it.
std::optional<int64_t> ParseSyslogTime(std::string_view& s, int64_t now, int64_t local_offset_ns);

class TimestampDetector {
 public:
  // `now` fills what formats leave out (the year of syslog times) and
  // tells which year a syslog date belongs to.
  explicit TimestampDetector(int64_t now_ns);

  // A fixed format instead of detection: "rfc3339", "java", "syslog",
  // "apache", "ctime", "epoch", or a pattern with %Y %m %d %H %M %S %f (fraction)
  // %b (month name) %z (±hhmm or ±hh:mm or Z) and %s (epoch seconds),
  // e.g. "%Y-%m-%d %H:%M:%S,%f".
  static Result<TimestampDetector> WithFormat(std::string_view format, int64_t now_ns);

  // The time at the start of `line` (as the comment at the top says), or
  // nullopt. Once a format is found it is tried first on later lines, so
  // a file in one format is read at the speed of one parse per line.
  std::optional<int64_t> Detect(std::string_view line);

  TimeFormat format() const { return format_; }

 private:
  std::optional<int64_t> TryAt(std::string_view text, TimeFormat format) const;
  std::optional<int64_t> TryPattern(std::string_view text) const;

  int64_t now_ = 0;
  int64_t local_offset_ns_ = 0;
  TimeFormat format_ = TimeFormat::kNone;
  bool fixed_ = false;  // WithFormat: never detect another
  std::string pattern_;
  // Where the last match was: 0 start, 1 after a leading '[', 2 at the
  // first '['.
  int position_ = 0;
};

}  // namespace lode
