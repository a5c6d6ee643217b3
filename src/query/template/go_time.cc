// Go's reference-time layouts ("2006-01-02T15:04:05.000Z07:00"): the
// `date`, `toDate` and `toDateInZone` template functions take them.
#include <strings.h>

#include <cstdio>
#include <cstring>

#include "query/template/internal.h"

namespace lode::tmpl {
namespace {

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

struct Found {
  Chunk chunk = Chunk::kNone;
  size_t pos = 0;  // where it starts
  size_t len = 0;  // its length in the layout
  int digits = 0;  // fraction digits
  char sep = '.';  // fraction separator
};

bool StartsWithLower(std::string_view s) { return !s.empty() && s[0] >= 'a' && s[0] <= 'z'; }

// The next layout chunk at or after `from` (Go's nextStdChunk).
Found Next(std::string_view l, size_t from) {
  for (size_t i = from; i < l.size(); ++i) {
    std::string_view r = l.substr(i);
    auto at = [&](Chunk c, size_t len) { return Found{c, i, len, 0, '.'}; };
    switch (l[i]) {
      case 'J':
        if (r.starts_with("Jan")) {
          if (r.starts_with("January")) return at(Chunk::kLongMonth, 7);
          if (!StartsWithLower(r.substr(3))) return at(Chunk::kMonth, 3);
        }
        break;
      case 'M':
        if (r.starts_with("Mon")) {
          if (r.starts_with("Monday")) return at(Chunk::kLongWeekDay, 6);
          if (!StartsWithLower(r.substr(3))) return at(Chunk::kWeekDay, 3);
        }
        if (r.starts_with("MST")) return at(Chunk::kTZ, 3);
        break;
      case '0':
        if (r.size() >= 2 && r[1] >= '1' && r[1] <= '6') {
          static const Chunk kByDigit[] = {
              Chunk::kNone,       Chunk::kZeroMonth,  Chunk::kZeroDay, Chunk::kZeroHour12,
              Chunk::kZeroMinute, Chunk::kZeroSecond, Chunk::kYear};
          return at(kByDigit[r[1] - '0'], 2);
        }
        if (r.starts_with("002")) return at(Chunk::kZeroYearDay, 3);
        break;
      case '1':
        if (r.starts_with("15")) return at(Chunk::kHour, 2);
        return at(Chunk::kNumMonth, 1);
      case '2':
        if (r.starts_with("2006")) return at(Chunk::kLongYear, 4);
        return at(Chunk::kDay, 1);
      case '_':
        if (r.starts_with("_2")) {
          if (r.starts_with("_2006")) {
            // "_" then the year.
            return Found{Chunk::kLongYear, i + 1, 4, 0, '.'};
          }
          return at(Chunk::kUnderDay, 2);
        }
        if (r.starts_with("__2")) return at(Chunk::kUnderYearDay, 3);
        break;
      case '3':
        return at(Chunk::kHour12, 1);
      case '4':
        return at(Chunk::kMinute, 1);
      case '5':
        return at(Chunk::kSecond, 1);
      case 'P':
        if (r.starts_with("PM")) return at(Chunk::kPM, 2);
        break;
      case 'p':
        if (r.starts_with("pm")) return at(Chunk::kpm, 2);
        break;
      case '-':
        if (r.starts_with("-070000")) return at(Chunk::kNumSecondsTz, 7);
        if (r.starts_with("-07:00:00")) return at(Chunk::kNumColonSecondsTZ, 9);
        if (r.starts_with("-0700")) return at(Chunk::kNumTZ, 5);
        if (r.starts_with("-07:00")) return at(Chunk::kNumColonTZ, 6);
        if (r.starts_with("-07")) return at(Chunk::kNumShortTZ, 3);
        break;
      case 'Z':
        if (r.starts_with("Z070000")) return at(Chunk::kISO8601SecondsTZ, 7);
        if (r.starts_with("Z07:00:00")) return at(Chunk::kISO8601ColonSecondsTZ, 9);
        if (r.starts_with("Z0700")) return at(Chunk::kISO8601TZ, 5);
        if (r.starts_with("Z07:00")) return at(Chunk::kISO8601ColonTZ, 6);
        if (r.starts_with("Z07")) return at(Chunk::kISO8601ShortTZ, 3);
        break;
      case '.':
      case ',':
        if (r.size() >= 2 && (r[1] == '0' || r[1] == '9')) {
          char ch = r[1];
          size_t j = 1;
          while (j < r.size() && r[j] == ch) ++j;
          if (j >= r.size() || !(r[j] >= '0' && r[j] <= '9')) {
            Found f{ch == '0' ? Chunk::kFracSecond0 : Chunk::kFracSecond9, i, j,
                    static_cast<int>(j - 1), l[i]};
            return f;
          }
        }
        break;
      default:
        break;
    }
  }
  return Found{Chunk::kNone, l.size(), 0, 0, '.'};
}

const char* const kLongMonths[] = {"January",   "February", "March",    "April",
                                   "May",       "June",     "July",     "August",
                                   "September", "October",  "November", "December"};
const char* const kLongDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                 "Thursday", "Friday", "Saturday"};

void AppendInt(int64_t v, int width, std::string* out, char pad = '0') {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(v < 0 ? -v : v));
  if (v < 0) out->push_back('-');
  for (int n = static_cast<int>(std::strlen(buf)); n < width; ++n) out->push_back(pad);
  out->append(buf);
}

struct Civil {
  int64_t year;
  int month, day, hour, minute, second, yday, wday;
  int64_t nanos;
};

Civil ToCivil(int64_t ns, int32_t offset_s) {
  int64_t secs = ns / 1000000000;
  int64_t nanos = ns % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    --secs;
  }
  if (ns == kZeroTime) {
    secs = -62135596800;
    nanos = 0;
  }
  secs += offset_s;
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Civil from days (Howard Hinnant's algorithm).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  if (m <= 2) ++y;
  Civil c{};
  c.year = y;
  c.month = m;
  c.day = d;
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>(rem / 60 % 60);
  c.second = static_cast<int>(rem % 60);
  c.nanos = nanos;
  c.wday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  static const int kCum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  c.yday = kCum[m - 1] + d + (leap && m > 2 ? 1 : 0);
  return c;
}

int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

std::string FormatGoTime(const Value& t, std::string_view layout) {
  const Civil c = ToCivil(t.i, t.offset_s);
  const std::string zone = t.zone.empty() ? "UTC" : t.zone;
  std::string out;
  size_t pos = 0;
  while (pos < layout.size()) {
    Found f = Next(layout, pos);
    out.append(layout.substr(pos, f.pos - pos));
    if (f.chunk == Chunk::kNone) break;
    pos = f.pos + f.len;
    int off = t.offset_s;
    auto numtz = [&](bool colon, bool seconds, bool short_form, bool z) {
      if (z && off == 0) {
        out.push_back('Z');
        return;
      }
      int a = off < 0 ? -off : off;
      out.push_back(off < 0 ? '-' : '+');
      AppendInt(a / 3600, 2, &out);
      if (!short_form) {
        if (colon) out.push_back(':');
        AppendInt(a / 60 % 60, 2, &out);
      }
      if (seconds) {
        if (colon) out.push_back(':');
        AppendInt(a % 60, 2, &out);
      }
    };
    switch (f.chunk) {
      case Chunk::kLongMonth:
        out.append(kLongMonths[c.month - 1]);
        break;
      case Chunk::kMonth:
        out.append(std::string_view(kLongMonths[c.month - 1]).substr(0, 3));
        break;
      case Chunk::kNumMonth:
        AppendInt(c.month, 0, &out);
        break;
      case Chunk::kZeroMonth:
        AppendInt(c.month, 2, &out);
        break;
      case Chunk::kLongWeekDay:
        out.append(kLongDays[c.wday]);
        break;
      case Chunk::kWeekDay:
        out.append(std::string_view(kLongDays[c.wday]).substr(0, 3));
        break;
      case Chunk::kDay:
        AppendInt(c.day, 0, &out);
        break;
      case Chunk::kUnderDay:
        AppendInt(c.day, 2, &out, ' ');
        break;
      case Chunk::kZeroDay:
        AppendInt(c.day, 2, &out);
        break;
      case Chunk::kUnderYearDay:
        AppendInt(c.yday, 3, &out, ' ');
        break;
      case Chunk::kZeroYearDay:
        AppendInt(c.yday, 3, &out);
        break;
      case Chunk::kHour:
        AppendInt(c.hour, 2, &out);
        break;
      case Chunk::kHour12:
        AppendInt(c.hour % 12 == 0 ? 12 : c.hour % 12, 0, &out);
        break;
      case Chunk::kZeroHour12:
        AppendInt(c.hour % 12 == 0 ? 12 : c.hour % 12, 2, &out);
        break;
      case Chunk::kMinute:
        AppendInt(c.minute, 0, &out);
        break;
      case Chunk::kZeroMinute:
        AppendInt(c.minute, 2, &out);
        break;
      case Chunk::kSecond:
        AppendInt(c.second, 0, &out);
        break;
      case Chunk::kZeroSecond:
        AppendInt(c.second, 2, &out);
        break;
      case Chunk::kLongYear:
        AppendInt(c.year, 4, &out);
        break;
      case Chunk::kYear:
        AppendInt(((c.year % 100) + 100) % 100, 2, &out);
        break;
      case Chunk::kPM:
        out.append(c.hour >= 12 ? "PM" : "AM");
        break;
      case Chunk::kpm:
        out.append(c.hour >= 12 ? "pm" : "am");
        break;
      case Chunk::kTZ:
        if (!t.zone.empty() || off == 0) {
          out.append(zone);
        } else {
          numtz(false, false, false, false);  // no name: the -0700 form
        }
        break;
      case Chunk::kISO8601TZ:
        numtz(false, false, false, true);
        break;
      case Chunk::kISO8601SecondsTZ:
        numtz(false, true, false, true);
        break;
      case Chunk::kISO8601ShortTZ:
        numtz(false, false, true, true);
        break;
      case Chunk::kISO8601ColonTZ:
        numtz(true, false, false, true);
        break;
      case Chunk::kISO8601ColonSecondsTZ:
        numtz(true, true, false, true);
        break;
      case Chunk::kNumTZ:
        numtz(false, false, false, false);
        break;
      case Chunk::kNumSecondsTz:
        numtz(false, true, false, false);
        break;
      case Chunk::kNumShortTZ:
        numtz(false, false, true, false);
        break;
      case Chunk::kNumColonTZ:
        numtz(true, false, false, false);
        break;
      case Chunk::kNumColonSecondsTZ:
        numtz(true, true, false, false);
        break;
      case Chunk::kFracSecond0:
      case Chunk::kFracSecond9: {
        char buf[16];
        std::snprintf(buf, sizeof(buf), "%09lld", static_cast<long long>(c.nanos));
        std::string digits(buf, static_cast<size_t>(f.digits > 9 ? 9 : f.digits));
        if (f.chunk == Chunk::kFracSecond9) {
          while (!digits.empty() && digits.back() == '0') digits.pop_back();
          if (digits.empty()) break;
        }
        out.push_back(f.sep);
        out.append(digits);
        break;
      }
      case Chunk::kNone:
        break;
    }
  }
  return out;
}

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
    Found f = Next(layout, pos);
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
        ok = false;
        for (int m = 0; m < 12; ++m) {
          std::string_view name = kLongMonths[m];
          if (f.chunk == Chunk::kMonth) name = name.substr(0, 3);
          if (rest.size() >= name.size() &&
              strncasecmp(rest.data(), name.data(), name.size()) == 0) {
            month = m + 1;
            at += name.size();
            ok = true;
            break;
          }
        }
        break;
      }
      case Chunk::kLongWeekDay:
      case Chunk::kWeekDay: {
        ok = false;
        for (int d = 0; d < 7; ++d) {
          std::string_view name = kLongDays[d];
          if (f.chunk == Chunk::kWeekDay) name = name.substr(0, 3);
          if (rest.size() >= name.size() &&
              strncasecmp(rest.data(), name.data(), name.size()) == 0) {
            at += name.size();
            ok = true;
            break;
          }
        }
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
  if (yday >= 0) {
    int64_t days = DaysFromCivil(year, 1, 1) + yday - 1;
    day = 1;
    month = 1;
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
  if (month < 1 || month > 12 || day < 1 || day > 31)
    return Status::InvalidArgument("parsing time \"" + std::string(text) + "\": day out of range");
  (void)zone_set;
  int64_t secs = DaysFromCivil(year, static_cast<int>(month), static_cast<int>(day)) * 86400 +
                 hour * 3600 + minute * 60 + second - offset;
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
