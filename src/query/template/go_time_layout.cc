#include "query/template/go_time_layout.h"

#include "query/template/internal.h"

namespace lode::tmpl {
namespace {

bool StartsWithLower(std::string_view s) { return !s.empty() && s[0] >= 'a' && s[0] <= 'z'; }

}  // namespace

Found NextChunk(std::string_view l, size_t from) {
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

const char* const kLongMonths[12] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};
const char* const kLongDays[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                  "Thursday", "Friday", "Saturday"};

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

}  // namespace lode::tmpl
