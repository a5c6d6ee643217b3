#include "base/time.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>

namespace lode {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

bool ReadDigits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

Status BadTime(std::string_view text) {
  return Status::InvalidArgument("cannot parse \"" + std::string(text) +
                                 "\" as a time: expected nanoseconds, seconds, or RFC3339");
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

int64_t CivilToNanos(int64_t year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                     unsigned second, int64_t nanos) {
  int64_t days = DaysFromCivil(year, month, day);
  // Times beyond int64 nanoseconds (about years 1678 to 2262) saturate.
  int64_t secs = 0, ns = 0;
  if (__builtin_mul_overflow(days, int64_t{86400}, &secs) ||
      __builtin_add_overflow(secs, int64_t{hour} * 3600 + minute * 60 + second, &secs) ||
      __builtin_mul_overflow(secs, kNanosPerSecond, &ns) ||
      __builtin_add_overflow(ns, nanos, &ns)) {
    return days < 0 ? INT64_MIN : INT64_MAX;
  }
  return ns;
}

int64_t UtcYear(int64_t nanos) {
  int64_t seconds = nanos / kNanosPerSecond;
  if (nanos % kNanosPerSecond < 0) --seconds;
  int64_t days = seconds / 86400;
  if (seconds % 86400 < 0) --days;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, y, m, d);
  return y;
}

int64_t LocalUtcOffsetSeconds(int64_t nanos) {
  time_t t = static_cast<time_t>(nanos / kNanosPerSecond);
  struct tm local;
  if (localtime_r(&t, &local) == nullptr) return 0;
  return local.tm_gmtoff;
}

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<int64_t> ParseRfc3339(std::string_view text) {
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!ReadDigits(text, pos, 4, year) || !Expect(text, pos, '-') ||
      !ReadDigits(text, pos, 2, month) || !Expect(text, pos, '-') ||
      !ReadDigits(text, pos, 2, day)) {
    return BadTime(text);
  }
  if (!(Expect(text, pos, 'T') || Expect(text, pos, 't') || Expect(text, pos, ' '))) {
    return BadTime(text);
  }
  if (!ReadDigits(text, pos, 2, hour) || !Expect(text, pos, ':') ||
      !ReadDigits(text, pos, 2, minute) || !Expect(text, pos, ':') ||
      !ReadDigits(text, pos, 2, second)) {
    return BadTime(text);
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 60) {
    return BadTime(text);
  }
  int64_t frac_ns = 0;
  if (Expect(text, pos, '.') || Expect(text, pos, ',')) {
    int64_t scale = 100'000'000;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      frac_ns += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++digits;
    }
    if (digits == 0) return BadTime(text);
  }
  int64_t offset_s = 0;
  if (Expect(text, pos, 'Z') || Expect(text, pos, 'z')) {
    // UTC
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!ReadDigits(text, pos, 2, oh) || !Expect(text, pos, ':') || !ReadDigits(text, pos, 2, om)) {
      return BadTime(text);
    }
    offset_s = sign * (oh * 3600 + om * 60);
  } else {
    return BadTime(text);
  }
  if (pos != text.size()) return BadTime(text);
  int64_t days = DaysFromCivil(year, month, day);
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  int64_t ns = 0;
  if (__builtin_mul_overflow(secs, kNanosPerSecond, &ns) ||
      __builtin_add_overflow(ns, frac_ns, &ns)) {
    return Status::InvalidArgument("time out of range: " + std::string(text));
  }
  return ns;
}

Result<int64_t> ParseApiTime(std::string_view text) {
  // Int64 nanoseconds reach into 2262; seconds beyond that are rejected
  // rather than wrapped.
  constexpr double kMaxSeconds = 9'223'372'036.0;
  if (text.find('.') != std::string_view::npos) {
    double seconds = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec == std::errc() && ptr == text.data() + text.size()) {
      if (!std::isfinite(seconds) || seconds >= kMaxSeconds || seconds <= -kMaxSeconds) {
        return BadTime(text);
      }
      // Split so the fraction keeps nanosecond precision where it can.
      double whole = std::floor(seconds);
      return static_cast<int64_t>(whole) * kNanosPerSecond +
             static_cast<int64_t>(std::llround((seconds - whole) * 1e9));
    }
    // Not a float: an RFC 3339 time with a fraction, as Loki falls back.
    return ParseRfc3339(text);
  }
  std::string_view digits = text;
  bool negative = false;
  if (!digits.empty() && digits[0] == '-') {
    negative = true;
    digits.remove_prefix(1);
  }
  if (AllDigits(digits)) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc()) return BadTime(text);
    if (negative) v = -v;
    if (digits.size() <= 10) {
      if (v >= static_cast<int64_t>(kMaxSeconds) || v <= -static_cast<int64_t>(kMaxSeconds)) {
        return BadTime(text);
      }
      return v * kNanosPerSecond;
    }
    return v;
  }
  return ParseRfc3339(text);
}

Result<int64_t> ParseDuration(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("cannot parse \"" + std::string(text) +
                                   "\" as a duration (e.g. 90s, 5m, 1h30m)");
  };
  if (text.empty()) return bad();
  size_t pos = 0;
  double total = 0;
  while (pos < text.size()) {
    size_t start = pos;
    while (pos < text.size() && ((text[pos] >= '0' && text[pos] <= '9') || text[pos] == '.')) {
      ++pos;
    }
    if (pos == start) return bad();
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data() + start, text.data() + pos, value);
    if (ec != std::errc() || ptr != text.data() + pos) return bad();
    size_t unit_start = pos;
    while (pos < text.size() && !((text[pos] >= '0' && text[pos] <= '9') || text[pos] == '.')) {
      ++pos;
    }
    std::string_view unit = text.substr(unit_start, pos - unit_start);
    double scale;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "\xC2\xB5s")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else if (unit == "d")
      scale = 86400e9;
    else if (unit == "w")
      scale = 7 * 86400e9;
    else if (unit == "y")
      scale = 365 * 86400e9;
    else
      return bad();
    total += value * scale;
  }
  if (total > 9.2e18) return bad();
  return static_cast<int64_t>(std::llround(total));
}

Result<int64_t> ParseModelDuration(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("empty duration string");
  auto bad = [&] {
    return Status::InvalidArgument("not a valid duration string: \"" + std::string(text) + "\"");
  };
  if (text == "0") return 0;
  struct Unit {
    std::string_view name;
    int64_t ms;
  };
  static constexpr int64_t kDayMs = 24LL * 60 * 60 * 1000;
  static constexpr Unit kUnits[] = {
      {"y", 365 * kDayMs}, {"w", 7 * kDayMs}, {"d", kDayMs}, {"h", 60LL * 60 * 1000},
      {"m", 60LL * 1000},  {"s", 1000},       {"ms", 1}};
  constexpr int64_t kMaxMs = INT64_MAX / 1'000'000;
  size_t next_unit = 0;  // units must come in the table's order, each once
  size_t pos = 0;
  int64_t total_ms = 0;
  while (pos < text.size()) {
    const size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return bad();
    const size_t unit_start = pos;
    while (pos < text.size() && !(text[pos] >= '0' && text[pos] <= '9')) ++pos;
    const std::string_view unit = text.substr(unit_start, pos - unit_start);
    while (next_unit < std::size(kUnits) && kUnits[next_unit].name != unit) ++next_unit;
    if (next_unit == std::size(kUnits)) return bad();
    uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data() + start, text.data() + unit_start, value);
    if (ec != std::errc() || value > static_cast<uint64_t>(kMaxMs / kUnits[next_unit].ms) ||
        total_ms > kMaxMs - static_cast<int64_t>(value) * kUnits[next_unit].ms) {
      return Status::InvalidArgument("duration out of range");
    }
    total_ms += static_cast<int64_t>(value) * kUnits[next_unit].ms;
    ++next_unit;
  }
  return total_ms * 1'000'000;
}

Result<int64_t> ParseSecondsOrDuration(std::string_view text) {
  double seconds = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (!text.empty() && ec == std::errc() && ptr == text.data() + text.size()) {
    if (!std::isfinite(seconds) || seconds < 0 || seconds > 9.2e9) {
      return Status::InvalidArgument("invalid duration \"" + std::string(text) + "\"");
    }
    return static_cast<int64_t>(std::llround(seconds * 1e9));
  }
  return ParseDuration(text);
}

std::string FormatRfc3339Nano(int64_t nanos) {
  int64_t secs = nanos / kNanosPerSecond;
  int64_t frac = nanos % kNanosPerSecond;
  if (frac < 0) {
    frac += kNanosPerSecond;
    secs -= 1;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, y, m, d);
  char buf[64];
  int n = snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                   static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                   static_cast<long long>((rem / 60) % 60), static_cast<long long>(rem % 60));
  std::string out(buf, n);
  if (frac != 0) {
    char fbuf[16];
    snprintf(fbuf, sizeof(fbuf), ".%09lld", static_cast<long long>(frac));
    std::string f(fbuf);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

}  // namespace lode
