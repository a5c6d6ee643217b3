// The date and time functions: sprig's date, toDate, now and unixEpoch;
// LogQL's unixEpochMillis, unixEpochNanos, toDateInZone, unixToTime and
// duration (duration_seconds). Times are nanoseconds since the epoch
// with a zone (Value::Kind::kTime); layouts are Go's (go_time.cc).
#include <cerrno>
#include <chrono>
#include <cstdlib>

#include "query/template/functions.h"
#include "query/value_parse.h"

namespace lode::tmpl {
namespace {

// v units of `scale` ns as nanoseconds, held within what an int64 of
// them reaches.
int64_t ScaleToNanos(int64_t v, int64_t scale) {
  const __int128 ns = static_cast<__int128>(v) * scale;
  if (ns > INT64_MAX) return INT64_MAX;
  if (ns <= INT64_MIN) return INT64_MIN + 1;  // INT64_MIN marks the zero time
  return static_cast<int64_t>(ns);
}
int64_t SecondsToNanos(int64_t s) { return ScaleToNanos(s, 1000000000); }

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// unixEpoch, unixEpochMillis, unixEpochNanos: the time in units of
// `divisor` ns, as a string.
void AddEpochFunctions(FunctionTable& f) {
  auto epoch = [&f](const char* name, int64_t divisor) {
    f[name] = [name, divisor](const CallContext&, Args& a) -> Result<Value> {
      if (a.size() != 1) return WrongCount(name, 1, a.size());
      LODE_ASSIGN_OR_RETURN(int64_t ns, TimeArg(a[0]));
      if (ns == kZeroTime) {
        // 0001-01-01, below what nanoseconds in an int64 reach.
        if (divisor == 1000000000) return Value::String("-62135596800");
        if (divisor == 1000000) return Value::String("-62135596800000");
        return Value::String("-6795364578871345152");  // Go's overflowed UnixNano
      }
      int64_t v = ns / divisor;
      if (ns % divisor != 0 && ns < 0) --v;  // floor, as time.Unix* do
      return Value::String(std::to_string(v));
    };
  };
  epoch("unixEpoch", 1000000000);
  epoch("unixEpochMillis", 1000000);
  epoch("unixEpochNanos", 1);
}

// toDate, toDateInZone, unixToTime: times from text.
void AddParsingFunctions(FunctionTable& f) {
  f["toDate"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 2) return WrongCount("toDate", 2, a.size());
    LODE_ASSIGN_OR_RETURN(std::string_view layout, StringArg(a[0]));
    LODE_ASSIGN_OR_RETURN(std::string_view text, StringArg(a[1]));
    auto t = ParseGoTime(layout, text);
    if (!t.ok()) return Value::Time(kZeroTime);  // the zero time
    return *t;
  };
  f["toDateInZone"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 3) return WrongCount("toDateInZone", 3, a.size());
    LODE_ASSIGN_OR_RETURN(std::string_view layout, StringArg(a[0]));
    LODE_ASSIGN_OR_RETURN(std::string_view zone, StringArg(a[1]));
    LODE_ASSIGN_OR_RETURN(std::string_view text, StringArg(a[2]));
    // Zones by name would need a time zone database: UTC stands in for
    // every zone, as it does for an unknown one.
    (void)zone;
    auto t = ParseGoTime(layout, text);
    if (!t.ok()) return Value::Time(kZeroTime);
    return *t;
  };
  f["unixToTime"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 1) return WrongCount("unixToTime", 1, a.size());
    LODE_ASSIGN_OR_RETURN(std::string_view s, StringArg(a[0]));
    errno = 0;
    char* end = nullptr;
    std::string text(s);
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0) {
      return Status::InvalidArgument("unable to parse time '" + text +
                                     "': strconv.ParseInt: parsing \"" + text +
                                     "\": invalid syntax");
    }
    // The number of digits says the unit.
    switch (text.size()) {
      case 5:
        return Value::Time(SecondsToNanos(static_cast<int64_t>(v) * 86400));
      case 10:
        return Value::Time(SecondsToNanos(static_cast<int64_t>(v)));
      case 13:
        return Value::Time(ScaleToNanos(static_cast<int64_t>(v), 1000000));
      case 16:
        return Value::Time(ScaleToNanos(static_cast<int64_t>(v), 1000));
      case 19:
        return Value::Time(static_cast<int64_t>(v));
      default:
        return Status::InvalidArgument("unable to parse time '" + text + "': unsupported length");
    }
  };
}

}  // namespace

void AddDateFunctions(FunctionTable& f) {
  AddEpochFunctions(f);
  AddParsingFunctions(f);
  f["date"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 2) return WrongCount("date", 2, a.size());
    LODE_ASSIGN_OR_RETURN(std::string_view layout, StringArg(a[0]));
    Value t;
    if (a[1].kind == Value::Kind::kTime) {
      t = a[1];
    } else if (a[1].kind == Value::Kind::kInt) {
      t = Value::Time(SecondsToNanos(a[1].i));  // unix seconds
    } else {
      t = Value::Time(NowNs());  // sprig formats "now" for anything else
    }
    return Value::String(FormatGoTime(t, layout));
  };
  f["now"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (!a.empty()) return WrongCount("now", 0, a.size());
    return Value::Time(NowNs());
  };
  for (const char* name : {"duration", "duration_seconds"}) {
    AddStringsFunction(f, name, 1, [](auto& s) -> Result<Value> {
      LODE_ASSIGN_OR_RETURN(int64_t ns, ParseGoDuration(s[0]));
      return Value::Float(GoDurationSeconds(ns));
    });
  }
}

}  // namespace lode::tmpl
