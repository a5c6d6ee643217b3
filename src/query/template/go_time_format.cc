// FormatGoTime: a time written with a Go layout, as time.Time.Format
// writes it (the template function `date`).
#include <cstdio>
#include <cstring>

#include "query/template/go_time_layout.h"
#include "query/template/internal.h"

namespace lode::tmpl {
namespace {

void AppendInt(int64_t v, int width, std::string* out, char pad = '0') {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(v < 0 ? -v : v));
  if (v < 0) out->push_back('-');
  for (int n = static_cast<int>(std::strlen(buf)); n < width; ++n) out->push_back(pad);
  out->append(buf);
}

}  // namespace

std::string FormatGoTime(const Value& t, std::string_view layout) {
  const Civil c = ToCivil(t.i, t.offset_s);
  const std::string zone = t.zone.empty() ? "UTC" : t.zone;
  std::string out;
  size_t pos = 0;
  while (pos < layout.size()) {
    Found f = NextChunk(layout, pos);
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

}  // namespace lode::tmpl
