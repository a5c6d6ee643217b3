// ParseGoTime: a time read with a Go layout, as time.Parse reads it (the
// template functions `toDate` and `toDateInZone`).
#include <strings.h>

#include "query/template/go_time_layout.h"
#include "query/template/internal.h"

namespace lode::tmpl {
namespace {

// The days of `month` (1-12) in `year`: February 30 is no date.
int64_t DaysIn(int month, int64_t year) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

// The index of the name in `names` (or its three-letter abbreviation)
// that `text` starts with, case-insensitively, as Go's lookup; -1 if none.
int MatchName(std::string_view text, const char* const* names, int count, bool abbreviated) {
  for (int i = 0; i < count; ++i) {
    std::string_view name = names[i];
    if (abbreviated) name = name.substr(0, 3);
    if (text.size() >= name.size() && strncasecmp(text.data(), name.data(), name.size()) == 0) {
      return i;
    }
  }
  return -1;
}

}  // namespace

Result<Value> ParseGoTime(std::string_view layout, std::string_view text, int32_t default_offset_s,
                          std::string_view default_zone) {
  auto bad = [&](std::string_view what) {
    return Status::InvalidArgument("parsing time \"" + std::string(text) + "\" as \"" +
                                   std::string(layout) + "\": cannot parse \"" + std::string(what) +
                                   "\"");
  };
  int64_t year = 1, month = 1, day = 1, hour = 0, minute = 0, second = 0, nanos = 0, yday = -1;
  bool pm = false, pm_set = false, zone_set = false;
  int32_t offset = default_offset_s;
  std::string zone(default_zone);
  size_t pos = 0, at = 0;
  auto digits = [&](size_t min, size_t max, int64_t* v) -> bool {
    size_t n = 0;
    int64_t x = 0;
    while (n < max && at + n < text.size() && text[at + n] >= '0' && text[at + n] <= '9') {
      x = x * 10 + (text[at + n] - '0');
      ++n;
    }
    if (n < min) return false;
    at += n;
    *v = x;
    return true;
  };
  while (pos < layout.size()) {
    Found f = NextChunk(layout, pos);
    std::string_view lit = layout.substr(pos, f.pos - pos);
    if (text.substr(at, lit.size()) != lit) return bad(text.substr(at));
    at += lit.size();
    if (f.chunk == Chunk::kNone) break;
    pos = f.pos + f.len;
    const std::string_view rest = text.substr(at);
    bool ok = true;
    switch (f.chunk) {
      case Chunk::kLongMonth:
      case Chunk::kMonth: {
        const bool abbreviated = f.chunk == Chunk::kMonth;
        const int m = MatchName(rest, kLongMonths, 12, abbreviated);
        ok = m >= 0;
        if (ok) {
          month = m + 1;
          at += abbreviated ? 3 : std::string_view(kLongMonths[m]).size();
        }
        break;
      }
      case Chunk::kLongWeekDay:
      case Chunk::kWeekDay: {
        const bool abbreviated = f.chunk == Chunk::kWeekDay;
        const int d = MatchName(rest, kLongDays, 7, abbreviated);
        ok = d >= 0;
        if (ok) at += abbreviated ? 3 : std::string_view(kLongDays[d]).size();
        break;
      }
      case Chunk::kNumMonth:
        ok = digits(1, 2, &month);
        break;
      case Chunk::kZeroMonth:
        ok = digits(2, 2, &month);
        break;
      case Chunk::kDay:
      case Chunk::kUnderDay:
        if (f.chunk == Chunk::kUnderDay && at < text.size() && text[at] == ' ') ++at;
        ok = digits(1, 2, &day);
        break;
      case Chunk::kZeroDay:
        ok = digits(2, 2, &day);
        break;
      case Chunk::kUnderYearDay:
        while (at < text.size() && text[at] == ' ') ++at;
        ok = digits(1, 3, &yday);
        break;
      case Chunk::kZeroYearDay:
        ok = digits(3, 3, &yday);
        break;
      case Chunk::kHour:
        ok = digits(1, 2, &hour) && hour < 24;
        break;
      case Chunk::kHour12:
        ok = digits(1, 2, &hour) && hour <= 12;
        break;
      case Chunk::kZeroHour12:
        ok = digits(2, 2, &hour) && hour <= 12;
        break;
      case Chunk::kMinute:
        ok = digits(1, 2, &minute) && minute < 60;
        break;
      case Chunk::kZeroMinute:
        ok = digits(2, 2, &minute) && minute < 60;
        break;
      case Chunk::kSecond:
      case Chunk::kZeroSecond:
        ok = digits(f.chunk == Chunk::kSecond ? 1 : 2, 2, &second) && second < 60;
        // Go accepts a fraction after seconds even when the layout has none.
        if (ok && at + 1 < text.size() && (text[at] == '.' || text[at] == ',') &&
            text[at + 1] >= '0' && text[at + 1] <= '9' &&
            !(pos < layout.size() && (layout[pos] == '.' || layout[pos] == ','))) {
          ++at;
          size_t start = at;
          int64_t frac = 0;
          while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            if (at - start < 9) frac = frac * 10 + (text[at] - '0');
            ++at;
          }
          for (size_t n = at - start; n < 9; ++n) frac *= 10;
          nanos = frac;
        }
        break;
      case Chunk::kLongYear:
        ok = digits(4, 4, &year);
        break;
      case Chunk::kYear:
        ok = digits(2, 2, &year);
        if (ok) year += year >= 69 ? 1900 : 2000;
        break;
      case Chunk::kPM:
      case Chunk::kpm:
        if (rest.size() >= 2 &&
            (strncasecmp(rest.data(), "PM", 2) == 0 || strncasecmp(rest.data(), "AM", 2) == 0)) {
          pm = rest[0] == 'P' || rest[0] == 'p';
          pm_set = true;
          at += 2;
        } else {
          ok = false;
        }
        break;
      case Chunk::kTZ: {
        size_t n = 0;
        while (n < rest.size() && rest[n] >= 'A' && rest[n] <= 'Z') ++n;
        if (n < 3) {
          ok = false;
          break;
        }
        zone = std::string(rest.substr(0, n));
        offset = 0;
        zone_set = true;
        at += n;
        break;
      }
      case Chunk::kFracSecond0:
      case Chunk::kFracSecond9: {
        if (at >= text.size() || (text[at] != '.' && text[at] != ',')) {
          ok = f.chunk == Chunk::kFracSecond9;
          break;
        }
        ++at;
        size_t start = at;
        int64_t frac = 0;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
          if (at - start < 9) frac = frac * 10 + (text[at] - '0');
          ++at;
        }
        if (f.chunk == Chunk::kFracSecond0 && at - start != static_cast<size_t>(f.digits))
          ok = false;
        for (size_t n = at - start; n < 9; ++n) frac *= 10;
        nanos = frac;
        break;
      }
      default: {
        // Numeric zones, with Z for UTC in the ISO 8601 forms.
        const bool iso = f.chunk == Chunk::kISO8601TZ || f.chunk == Chunk::kISO8601SecondsTZ ||
                         f.chunk == Chunk::kISO8601ShortTZ || f.chunk == Chunk::kISO8601ColonTZ ||
                         f.chunk == Chunk::kISO8601ColonSecondsTZ;
        if (iso && at < text.size() && text[at] == 'Z') {
          ++at;
          offset = 0;
          zone = "UTC";
          zone_set = true;
          break;
        }
        if (at >= text.size() || (text[at] != '+' && text[at] != '-')) {
          ok = false;
          break;
        }
        const int sign = text[at] == '-' ? -1 : 1;
        ++at;
        int64_t hh = 0, mm = 0, ss = 0;
        const bool colon = f.chunk == Chunk::kISO8601ColonTZ || f.chunk == Chunk::kNumColonTZ ||
                           f.chunk == Chunk::kISO8601ColonSecondsTZ ||
                           f.chunk == Chunk::kNumColonSecondsTZ;
        const bool short_form = f.chunk == Chunk::kISO8601ShortTZ || f.chunk == Chunk::kNumShortTZ;
        const bool secs = f.chunk == Chunk::kISO8601SecondsTZ || f.chunk == Chunk::kNumSecondsTz ||
                          f.chunk == Chunk::kISO8601ColonSecondsTZ ||
                          f.chunk == Chunk::kNumColonSecondsTZ;
        ok = digits(2, 2, &hh);
        if (ok && !short_form) {
          if (colon) ok = at < text.size() && text[at++] == ':';
          ok = ok && digits(2, 2, &mm);
        }
        if (ok && secs) {
          if (colon) ok = at < text.size() && text[at++] == ':';
          ok = ok && digits(2, 2, &ss);
        }
        offset = static_cast<int32_t>(sign * (hh * 3600 + mm * 60 + ss));
        zone.clear();
        zone_set = true;
        break;
      }
    }
    if (!ok) return bad(rest);
  }
  if (at != text.size()) {
    return Status::InvalidArgument("parsing time \"" + std::string(text) + "\": extra text: \"" +
                                   std::string(text.substr(at)) + "\"");
  }
  if (pm_set) {
    if (pm && hour < 12) hour += 12;
    if (!pm && hour == 12) hour = 0;
  }
  int64_t days = 0;
  if (yday >= 0) {
    days = DaysFromCivil(year, 1, 1) + yday - 1;
  } else {
    if (month < 1 || month > 12 || day < 1 || day > DaysIn(static_cast<int>(month), year))
      return Status::InvalidArgument("parsing time \"" + std::string(text) +
                                     "\": day out of range");
    days = DaysFromCivil(year, static_cast<int>(month), static_cast<int>(day));
  }
  (void)zone_set;
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset;
  const __int128 ns = static_cast<__int128>(secs) * 1000000000 + nanos;
  if (ns > INT64_MAX || ns <= INT64_MIN) {
    return Status::InvalidArgument("parsing time \"" + std::string(text) + "\": out of range");
  }
  Value v = Value::Time(static_cast<int64_t>(ns));
  v.offset_s = offset;
  v.zone = zone;
  return v;
}

}  // namespace lode::tmpl
