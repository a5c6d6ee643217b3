#include "query/value_parse.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

namespace lode {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

Status FloatSyntax(std::string_view s) {
  return Status::InvalidArgument("strconv.ParseFloat: parsing \"" + std::string(s) +
                                 "\": invalid syntax");
}

// Go allows `_` only between digits (of a base-prefixed or decimal
// number): not first, not last, not doubled, not beside `.` or the exponent.
bool UnderscoresOk(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '_') continue;
    if (i == 0 || i + 1 == s.size()) return false;
    auto digitish = [](char c) { return IsHex(c) || c == 'x' || c == 'X'; };
    if (!digitish(s[i - 1]) || !IsHex(s[i + 1])) return false;
  }
  return true;
}

}  // namespace

Result<double> ParseGoFloat(std::string_view s) {
  std::string_view body = s;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (EqualFold(body, "inf") || EqualFold(body, "infinity")) {
    return neg ? -HUGE_VAL : HUGE_VAL;
  }
  if (EqualFold(body, "nan") && s.size() == 3) return std::nan("");
  if (body.empty()) return FloatSyntax(s);
  std::string clean;
  const bool hex = body.size() > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X');
  if (body.find('_') != std::string_view::npos && !UnderscoresOk(body)) return FloatSyntax(s);
  // Validate the shape: strtod accepts more (leading spaces, "infinity"
  // inside, hex without an exponent) than Go does.
  size_t i = 0;
  if (hex) {
    i = 2;
    size_t digits = 0;
    while (i < body.size() && (IsHex(body[i]) || body[i] == '_')) digits += body[i++] != '_';
    if (i < body.size() && body[i] == '.') {
      ++i;
      while (i < body.size() && (IsHex(body[i]) || body[i] == '_')) digits += body[i++] != '_';
    }
    if (digits == 0 || i >= body.size() || (body[i] != 'p' && body[i] != 'P'))
      return FloatSyntax(s);
    ++i;
  } else {
    size_t digits = 0;
    while (i < body.size() && (IsDigit(body[i]) || body[i] == '_')) digits += body[i++] != '_';
    if (i < body.size() && body[i] == '.') {
      ++i;
      while (i < body.size() && (IsDigit(body[i]) || body[i] == '_')) digits += body[i++] != '_';
    }
    if (digits == 0) return FloatSyntax(s);
    if (i < body.size()) {
      if (body[i] != 'e' && body[i] != 'E') return FloatSyntax(s);
      ++i;
    }
  }
  if (i < body.size() || (i > 0 && (body[i - 1] == 'e' || body[i - 1] == 'E' ||
                                    body[i - 1] == 'p' || body[i - 1] == 'P'))) {
    if (i <= body.size() && i > 0 &&
        (body[i - 1] == 'e' || body[i - 1] == 'E' || body[i - 1] == 'p' || body[i - 1] == 'P')) {
      // The exponent's digits.
      if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
      size_t digits = 0;
      while (i < body.size() && (IsDigit(body[i]) || body[i] == '_')) digits += body[i++] != '_';
      if (digits == 0) return FloatSyntax(s);
    }
    if (i != body.size()) return FloatSyntax(s);
  }
  for (char c : body) {
    if (c != '_') clean += c;
  }
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(clean.c_str(), &end);
  if (end == nullptr || *end != '\0') return FloatSyntax(s);
  if (errno == ERANGE && std::isinf(v)) {
    return Status::InvalidArgument("strconv.ParseFloat: parsing \"" + std::string(s) +
                                   "\": value out of range");
  }
  return neg ? -v : v;
}

Result<int64_t> ParseGoDuration(std::string_view s) {
  const std::string orig(s);
  auto invalid = [&orig] {
    return Status::InvalidArgument("time: invalid duration \"" + orig + "\"");
  };
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return int64_t{0};
  if (s.empty()) return invalid();
  // Accumulated in unsigned nanoseconds; Go caps at 1<<63.
  unsigned __int128 total = 0;
  while (!s.empty()) {
    if (!(IsDigit(s[0]) || s[0] == '.')) return invalid();
    uint64_t whole = 0;
    size_t i = 0;
    bool any = false;
    while (i < s.size() && IsDigit(s[i])) {
      if (whole > (UINT64_MAX - 9) / 10) return invalid();
      whole = whole * 10 + (s[i] - '0');
      ++i;
      any = true;
    }
    uint64_t frac = 0;
    double scale = 1;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && IsDigit(s[i])) {
        if (frac < UINT64_MAX / 100) {
          frac = frac * 10 + (s[i] - '0');
          scale *= 10;
        }
        ++i;
        any = true;
      }
    }
    if (!any) return invalid();
    size_t u = i;
    while (u < s.size() && !IsDigit(s[u]) && s[u] != '.') ++u;
    std::string_view unit = s.substr(i, u - i);
    if (unit.empty()) {
      return Status::InvalidArgument("time: missing unit in duration \"" + orig + "\"");
    }
    uint64_t mult;
    if (unit == "ns")
      mult = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
      mult = 1000;
    else if (unit == "ms")
      mult = 1000000;
    else if (unit == "s")
      mult = 1000000000;
    else if (unit == "m")
      mult = 60ull * 1000000000;
    else if (unit == "h")
      mult = 3600ull * 1000000000;
    else {
      return Status::InvalidArgument("time: unknown unit \"" + std::string(unit) +
                                     "\" in duration \"" + orig + "\"");
    }
    unsigned __int128 v = static_cast<unsigned __int128>(whole) * mult;
    if (frac > 0)
      v += static_cast<unsigned __int128>(static_cast<double>(frac) *
                                          (static_cast<double>(mult) / scale));
    total += v;
    if (total > (static_cast<unsigned __int128>(1) << 63)) return invalid();
    s.remove_prefix(u);
  }
  if (total == (static_cast<unsigned __int128>(1) << 63)) {
    if (neg) return INT64_MIN;
    return invalid();
  }
  const int64_t ns = static_cast<int64_t>(total);
  return neg ? -ns : ns;
}

Result<uint64_t> ParseHumanBytes(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && (IsDigit(s[i]) || s[i] == '.' || s[i] == ',')) ++i;
  std::string number;
  for (char c : s.substr(0, i)) {
    if (c != ',') number += c;
  }
  auto f = ParseGoFloat(number);
  if (!f.ok()) return f.status();
  std::string_view unit = s.substr(i);
  while (!unit.empty() && (unit.front() == ' ' || unit.front() == '\t')) unit.remove_prefix(1);
  while (!unit.empty() && (unit.back() == ' ' || unit.back() == '\t')) unit.remove_suffix(1);
  std::string lower;
  for (char c : unit) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const struct {
    const char* name;
    double mult;
  } kUnits[] = {
      {"", 1},
      {"b", 1},
      {"k", 1e3},
      {"kb", 1e3},
      {"ki", 1024.0},
      {"kib", 1024.0},
      {"m", 1e6},
      {"mb", 1e6},
      {"mi", 1048576.0},
      {"mib", 1048576.0},
      {"g", 1e9},
      {"gb", 1e9},
      {"gi", 1073741824.0},
      {"gib", 1073741824.0},
      {"t", 1e12},
      {"tb", 1e12},
      {"ti", 1099511627776.0},
      {"tib", 1099511627776.0},
      {"p", 1e15},
      {"pb", 1e15},
      {"pi", 1125899906842624.0},
      {"pib", 1125899906842624.0},
      {"e", 1e18},
      {"eb", 1e18},
      {"ei", 1152921504606846976.0},
      {"eib", 1152921504606846976.0},
  };
  for (const auto& u : kUnits) {
    if (lower == u.name) {
      const double v = *f * u.mult;
      if (v >= 18446744073709551616.0)
        return Status::InvalidArgument("too large: " + std::string(s));
      return static_cast<uint64_t>(v);
    }
  }
  return Status::InvalidArgument("unhandled size name: " + lower);
}

}  // namespace lode
