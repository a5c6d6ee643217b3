#include "text/timestamp_detect.h"

#include <initializer_list>
#include <span>

#include "base/time.h"

namespace lode {
namespace {

// t - by, or no time when that leaves int64 (a saturated far-off year).
std::optional<int64_t> Minus(int64_t t, int64_t by) {
  int64_t r = 0;
  if (__builtin_sub_overflow(t, by, &r)) return std::nullopt;
  return r;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at s[pos].
bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!IsDigit(s[pos + i])) return false;
    v = v * 10 + (s[pos + i] - '0');
  }
  out = v;
  return true;
}

// A fraction of a second after '.' or ',' at s[pos]; advances pos.
int64_t Fraction(std::string_view s, size_t& pos) {
  if (pos >= s.size() || (s[pos] != '.' && s[pos] != ',') || pos + 1 >= s.size() ||
      !IsDigit(s[pos + 1])) {
    return 0;
  }
  ++pos;
  int64_t nanos = 0, scale = 100'000'000;
  while (pos < s.size() && IsDigit(s[pos])) {
    nanos += (s[pos] - '0') * scale;
    scale /= 10;
    ++pos;
  }
  return nanos;
}

// A zone at s[pos]: Z, ±hh:mm, ±hhmm or ±hh; sets `offset_s` and advances.
bool Zone(std::string_view s, size_t& pos, int64_t& offset_s) {
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    offset_s = 0;
    ++pos;
    return true;
  }
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return false;
  int sign = s[pos] == '-' ? -1 : 1;
  int hh = 0, mm = 0;
  if (!Digits(s, pos + 1, 2, hh)) return false;
  size_t end = pos + 3;
  if (end < s.size() && s[end] == ':' && Digits(s, end + 1, 2, mm)) {
    end += 3;
  } else if (Digits(s, end, 2, mm)) {
    end += 2;
  }
  if (hh > 23 || mm > 59) return false;
  offset_s = sign * (hh * 3600 + mm * 60);
  pos = end;
  return true;
}

// A timestamp must not run into more digits or letters.
bool Boundary(std::string_view s, size_t pos) {
  if (pos >= s.size()) return true;
  char c = s[pos];
  return !IsDigit(c) && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int Month(std::string_view s, size_t pos) {
  if (pos + 3 > s.size()) return 0;
  for (int i = 0; i < 12; ++i) {
    if (s.substr(pos, 3) == kMonths[i]) return i + 1;
  }
  return 0;
}

bool ValidTime(int month, int day, int hour, int minute, int second) {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
         second <= 60;
}

// yyyy-MM-dd[T ]HH:mm:ss[.,fraction][zone]
std::optional<int64_t> ParseIso(std::string_view s, int64_t local_offset_ns) {
  int y, mo, d, h, mi, se;
  if (!Digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, mo) || s[7] != '-' ||
      !Digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ') || !Digits(s, 11, 2, h) ||
      s[13] != ':' || !Digits(s, 14, 2, mi) || s[16] != ':' || !Digits(s, 17, 2, se)) {
    return std::nullopt;
  }
  if (!ValidTime(mo, d, h, mi, se)) return std::nullopt;
  size_t pos = 19;
  int64_t nanos = Fraction(s, pos);
  int64_t offset_s = 0;
  bool zoned = Zone(s, pos, offset_s);
  if (!zoned && pos < s.size() && s[pos] == ' ') {
    // "2024-05-01 12:00:00 +0200" or " UTC"
    size_t after = pos + 1;
    if (Zone(s, after, offset_s)) {
      zoned = true;
      pos = after;
    } else if (s.substr(pos + 1, 3) == "UTC" && Boundary(s, pos + 4)) {
      zoned = true;
      pos += 4;
    }
  }
  if (!Boundary(s, pos)) return std::nullopt;
  int64_t t = CivilToNanos(y, mo, d, h, mi, se, nanos);
  return Minus(t, zoned ? offset_s * kNanosPerSecond : local_offset_ns);
}

// dd/Mmm/yyyy:HH:mm:ss ±hhmm
std::optional<int64_t> ParseApache(std::string_view s) {
  int d, y, h, mi, se;
  if (s.size() < 20 || !Digits(s, 0, 2, d) || s[2] != '/') return std::nullopt;
  int mo = Month(s, 3);
  if (mo == 0 || s[6] != '/' || !Digits(s, 7, 4, y) || s[11] != ':' || !Digits(s, 12, 2, h) ||
      s[14] != ':' || !Digits(s, 15, 2, mi) || s[17] != ':' || !Digits(s, 18, 2, se)) {
    return std::nullopt;
  }
  if (!ValidTime(mo, d, h, mi, se)) return std::nullopt;
  size_t pos = 20;
  int64_t nanos = Fraction(s, pos);
  int64_t offset_s = 0;
  if (pos < s.size() && s[pos] == ' ') {
    size_t after = pos + 1;
    if (Zone(s, after, offset_s)) pos = after;
  }
  return Minus(CivilToNanos(y, mo, d, h, mi, se, nanos), offset_s * kNanosPerSecond);
}

// Seconds (10 digits, optional fraction), ms (13), us (16) or ns (19)
// since the epoch, in the years 2001 to 2286.
std::optional<int64_t> ParseEpoch(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && IsDigit(s[n])) ++n;
  if (n != 10 && n != 13 && n != 16 && n != 19) return std::nullopt;
  // 19 digits may already be past int64; a number that does not fit is
  // no time.
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = v * 10 + static_cast<uint64_t>(s[i] - '0');
  if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  size_t pos = n;
  int64_t t = 0;
  const int64_t scale = n == 10 ? kNanosPerSecond : n == 13 ? 1'000'000 : n == 16 ? 1'000 : 1;
  if (__builtin_mul_overflow(static_cast<int64_t>(v), scale, &t)) return std::nullopt;
  if (n == 10 && __builtin_add_overflow(t, Fraction(s, pos), &t)) return std::nullopt;
  if (!Boundary(s, pos) || s.substr(pos, 1) == ".") return std::nullopt;
  if (t < 1'000'000'000LL * kNanosPerSecond) return std::nullopt;  // before 2001-09
  return t;
}

// C's ctime and Apache's error log: "Www Mmm dd HH:mm:ss[.frac] yyyy",
// local time.
std::optional<int64_t> ParseCtime(std::string_view s, int64_t local_offset_ns) {
  static constexpr const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  if (s.size() < 24 || s[3] != ' ') return std::nullopt;
  bool day_name = false;
  for (const char* d : kDays) day_name = day_name || s.substr(0, 3) == d;
  if (!day_name) return std::nullopt;
  int mo = Month(s, 4);
  int d = 0, h, mi, se, y;
  if (mo == 0 || s[7] != ' ') return std::nullopt;
  if (s[8] == ' ' && IsDigit(s[9])) {
    d = s[9] - '0';
  } else if (!Digits(s, 8, 2, d)) {
    return std::nullopt;
  }
  if (s[10] != ' ' || !Digits(s, 11, 2, h) || s[13] != ':' || !Digits(s, 14, 2, mi) ||
      s[16] != ':' || !Digits(s, 17, 2, se) || !ValidTime(mo, d, h, mi, se)) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t nanos = Fraction(s, pos);
  if (pos >= s.size() || s[pos] != ' ' || !Digits(s, pos + 1, 4, y) || !Boundary(s, pos + 5)) {
    return std::nullopt;
  }
  return Minus(CivilToNanos(y, mo, d, h, mi, se, nanos), local_offset_ns);
}

}  // namespace

std::optional<int64_t> ParseSyslogTime(std::string_view& s, int64_t now, int64_t local_offset_ns) {
  int d = 0, h, mi, se;
  if (s.size() < 15) return std::nullopt;
  int mo = Month(s, 0);
  if (mo == 0 || s[3] != ' ') return std::nullopt;
  if (s[4] == ' ' && IsDigit(s[5])) {
    d = s[5] - '0';
  } else if (!Digits(s, 4, 2, d)) {
    return std::nullopt;
  }
  if (s[6] != ' ' || !Digits(s, 7, 2, h) || s[9] != ':' || !Digits(s, 10, 2, mi) || s[12] != ':' ||
      !Digits(s, 13, 2, se) || !ValidTime(mo, d, h, mi, se)) {
    return std::nullopt;
  }
  size_t pos = 15;
  int64_t nanos = Fraction(s, pos);
  if (!Boundary(s, pos)) return std::nullopt;
  s.remove_prefix(pos);
  int64_t year = UtcYear(now + local_offset_ns);
  std::optional<int64_t> t = Minus(CivilToNanos(year, mo, d, h, mi, se, nanos), local_offset_ns);
  // A date more than a day ahead is last year's (December read in January).
  if (t && *t > now + 86400LL * kNanosPerSecond) {
    t = Minus(CivilToNanos(year - 1, mo, d, h, mi, se, nanos), local_offset_ns);
  }
  return t;
}

TimestampDetector::TimestampDetector(int64_t now_ns)
    : now_(now_ns), local_offset_ns_(LocalUtcOffsetSeconds(now_ns) * kNanosPerSecond) {}

Result<TimestampDetector> TimestampDetector::WithFormat(std::string_view format, int64_t now_ns) {
  TimestampDetector d(now_ns);
  d.fixed_ = true;
  if (format == "rfc3339" || format == "iso8601") {
    d.format_ = TimeFormat::kRfc3339;
  } else if (format == "java") {
    d.format_ = TimeFormat::kJava;
  } else if (format == "syslog" || format == "rfc3164") {
    d.format_ = TimeFormat::kSyslog;
  } else if (format == "apache" || format == "nginx" || format == "clf") {
    d.format_ = TimeFormat::kApache;
  } else if (format == "ctime") {
    d.format_ = TimeFormat::kCtime;
  } else if (format == "epoch") {
    d.format_ = TimeFormat::kEpoch;
  } else if (format.find('%') != std::string_view::npos) {
    for (size_t i = 0; i < format.size(); ++i) {
      if (format[i] != '%') continue;
      if (i + 1 >= format.size() ||
          std::string_view("YymdHMSfbzs%").find(format[i + 1]) == std::string_view::npos) {
        return Status::InvalidArgument("timestamp format \"" + std::string(format) +
                                       "\": unknown directive at byte " + std::to_string(i + 1) +
                                       " (known: %Y %y %m %d %H %M %S %f %b %z %s %%)");
      }
      ++i;
    }
    d.format_ = TimeFormat::kPattern;
    d.pattern_ = std::string(format);
  } else {
    return Status::InvalidArgument("unknown timestamp format \"" + std::string(format) +
                                   "\": use rfc3339, java, syslog, apache, ctime, epoch or a "
                                   "pattern such as %Y-%m-%d %H:%M:%S,%f");
  }
  return d;
}

std::optional<int64_t> TimestampDetector::TryAt(std::string_view text, TimeFormat format) const {
  switch (format) {
    case TimeFormat::kRfc3339:
    case TimeFormat::kJava:
      return ParseIso(text, local_offset_ns_);
    case TimeFormat::kSyslog:
      return ParseSyslogTime(text, now_, local_offset_ns_);
    case TimeFormat::kApache:
      return ParseApache(text);
    case TimeFormat::kCtime:
      return ParseCtime(text, local_offset_ns_);
    case TimeFormat::kEpoch:
      return ParseEpoch(text);
    case TimeFormat::kPattern:
      return TryPattern(text);
    case TimeFormat::kNone:
      break;
  }
  return std::nullopt;
}

std::optional<int64_t> TimestampDetector::TryPattern(std::string_view s) const {
  int64_t year = UtcYear(now_ + local_offset_ns_);
  int month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int64_t nanos = 0, offset_s = 0, epoch = -1;
  bool zoned = false;
  size_t pos = 0;
  const std::string& p = pattern_;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] != '%' || i + 1 >= p.size()) {
      if (pos >= s.size() || s[pos] != p[i]) return std::nullopt;
      ++pos;
      continue;
    }
    char directive = p[++i];
    int v = 0;
    switch (directive) {
      case 'Y':
        if (!Digits(s, pos, 4, v)) return std::nullopt;
        year = v;
        pos += 4;
        break;
      case 'y':
        if (!Digits(s, pos, 2, v)) return std::nullopt;
        year = 2000 + v;
        pos += 2;
        break;
      case 'm':
      case 'd':
      case 'H':
      case 'M':
      case 'S': {
        // Two digits, or one (or a space and one) for a day.
        if (Digits(s, pos, 2, v)) {
          pos += 2;
        } else if (pos + 1 < s.size() && s[pos] == ' ' && IsDigit(s[pos + 1])) {
          v = s[pos + 1] - '0';
          pos += 2;
        } else if (Digits(s, pos, 1, v)) {
          pos += 1;
        } else {
          return std::nullopt;
        }
        (directive == 'm'   ? month
         : directive == 'd' ? day
         : directive == 'H' ? hour
         : directive == 'M' ? minute
                            : second) = v;
        break;
      }
      case 'f': {
        if (pos >= s.size() || !IsDigit(s[pos])) return std::nullopt;
        int64_t scale = 100'000'000;
        while (pos < s.size() && IsDigit(s[pos])) {
          nanos += (s[pos] - '0') * scale;
          scale /= 10;
          ++pos;
        }
        break;
      }
      case 'b':
        month = Month(s, pos);
        if (month == 0) return std::nullopt;
        pos += 3;
        break;
      case 'z':
        if (!Zone(s, pos, offset_s)) return std::nullopt;
        zoned = true;
        break;
      case 's': {
        size_t start = pos;
        epoch = 0;
        while (pos < s.size() && IsDigit(s[pos]) && pos - start < 12) {
          epoch = epoch * 10 + (s[pos++] - '0');
        }
        if (pos == start) return std::nullopt;
        break;
      }
      case '%':
        if (pos >= s.size() || s[pos] != '%') return std::nullopt;
        ++pos;
        break;
    }
  }
  if (epoch >= 0) {
    int64_t t = 0;
    if (__builtin_mul_overflow(epoch, kNanosPerSecond, &t) ||
        __builtin_add_overflow(t, nanos, &t)) {
      return std::nullopt;
    }
    return t;
  }
  if (!ValidTime(month, day, hour, minute, second)) return std::nullopt;
  int64_t t = CivilToNanos(year, month, day, hour, minute, second, nanos);
  return Minus(t, zoned ? offset_s * kNanosPerSecond : local_offset_ns_);
}

namespace {

// The value of a JSON line's time field: the first of these keys found,
// its string's contents or its number's digits.
bool IsJsonObjectLine(std::string_view line) {
  size_t start = line.find_first_not_of(" \t");
  return start != std::string_view::npos && line[start] == '{';
}

std::optional<std::string_view> JsonTimeField(std::string_view line) {
  if (!IsJsonObjectLine(line)) return std::nullopt;
  for (std::string_view key :
       {"\"@timestamp\"", "\"timestamp\"", "\"time\"", "\"ts\"", "\"datetime\"", "\"date\""}) {
    size_t at = line.find(key);
    if (at == std::string_view::npos) continue;
    size_t p = line.find_first_not_of(" \t", at + key.size());
    if (p == std::string_view::npos || line[p] != ':') continue;
    p = line.find_first_not_of(" \t", p + 1);
    if (p == std::string_view::npos) continue;
    if (line[p] == '"') {
      size_t end = line.find('"', p + 1);
      if (end != std::string_view::npos) return line.substr(p + 1, end - p - 1);
    } else if (IsDigit(line[p])) {
      size_t end = p;
      while (end < line.size() && (IsDigit(line[end]) || line[end] == '.')) ++end;
      return line.substr(p, end - p);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> TimestampDetector::Detect(std::string_view line) {
  // Positions: 0 the start, 1 after a leading '[', 2 after the first '['
  // of the first 64 bytes, 3 a JSON line's time field.
  auto at = [&](int position) -> std::optional<std::string_view> {
    if (position == 0) return line;
    if (position == 1) {
      if (line.starts_with("[")) return line.substr(1);
      return std::nullopt;
    }
    if (position == 3) return JsonTimeField(line);
    size_t bracket = line.substr(0, 64).find('[');
    if (bracket == std::string_view::npos) return std::nullopt;
    return line.substr(bracket + 1);
  };
  if (format_ != TimeFormat::kNone) {
    if (auto text = at(position_)) {
      if (auto t = TryAt(*text, format_)) return t;
    }
    if (fixed_) {
      for (int position = 0; position < 4; ++position) {
        if (position == position_) continue;
        if (auto text = at(position)) {
          if (auto t = TryAt(*text, format_)) {
            position_ = position;
            return t;
          }
        }
      }
      return std::nullopt;
    }
  }
  static constexpr TimeFormat kOrder[] = {TimeFormat::kRfc3339, TimeFormat::kSyslog,
                                          TimeFormat::kApache, TimeFormat::kCtime,
                                          TimeFormat::kEpoch};
  // A JSON line's time is in its field (a '[' in it is an array).
  const bool json = IsJsonObjectLine(line);
  static constexpr int kTextPositions[] = {0, 1, 2};
  static constexpr int kJsonPositions[] = {3};
  for (int position :
       json ? std::span<const int>(kJsonPositions) : std::span<const int>(kTextPositions)) {
    auto text = at(position);
    if (!text) continue;
    for (TimeFormat format : kOrder) {
      if (auto t = TryAt(*text, format)) {
        format_ = format;
        position_ = position;
        return t;
      }
    }
  }
  return std::nullopt;
}

}  // namespace lode
