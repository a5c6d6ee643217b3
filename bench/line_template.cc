#include "line_template.h"

#include <cstring>

namespace lode::bench {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }

size_t DigitRun(std::string_view s, size_t i) {
  size_t j = i;
  while (j < s.size() && IsDigit(s[j])) ++j;
  return j - i;
}

int DigitValue(std::string_view s, size_t i, size_t n) {
  int v = 0;
  for (size_t k = 0; k < n; ++k) v = v * 10 + (s[i + k] - '0');
  return v;
}

// A date kept as is: yyyy-mm-dd (or with . or /), or dd/Mon/yyyy.
// Returns the end of the match, or 0.
size_t MatchDate(std::string_view s, size_t i) {
  size_t n = DigitRun(s, i);
  if (n == 4 && (s[i] == '1' || s[i] == '2') && i + 4 < s.size()) {
    char sep = s[i + 4];
    if (sep != '-' && sep != '.' && sep != '/') return 0;
    size_t j = i + 5, m = DigitRun(s, j);
    if (m < 1 || m > 2 || j + m >= s.size() || s[j + m] != sep) return 0;
    size_t k = j + m + 1, d = DigitRun(s, k);
    if (d < 1 || d > 2 || (k + d < s.size() && IsAlnum(s[k + d]) && s[k + d] != 'T')) return 0;
    return k + d;
  }
  if (n == 2 && i + 11 <= s.size() && s[i + 2] == '/' && IsAlpha(s[i + 3]) && IsAlpha(s[i + 4]) &&
      IsAlpha(s[i + 5]) && s[i + 6] == '/' && DigitRun(s, i + 7) == 4) {
    return i + 11;
  }
  return 0;
}

struct TimeMatch {
  size_t hour, hour_len, minute, minute_len, second, second_len;
  size_t fraction = 0, fraction_len = 0;
  size_t end;
};

// h:mm:ss with an optional fraction (.123, ,123 or :123). With
// `allow_dot`, also hh.mm.ss (as in 2005-06-03-15.42.50.675872).
bool MatchTime(std::string_view s, size_t i, bool allow_dot, TimeMatch& t) {
  size_t pos = i;
  size_t starts[3], lens[3];
  char sep = 0;
  for (int part = 0; part < 3; ++part) {
    size_t n = DigitRun(s, pos);
    if (n < 1 || n > 2) return false;
    starts[part] = pos;
    lens[part] = n;
    pos += n;
    if (part == 2) break;
    if (pos >= s.size()) return false;
    if (part == 0) {
      sep = s[pos];
      if (sep != ':' && !(allow_dot && sep == '.')) return false;
    } else if (s[pos] != sep) {
      return false;
    }
    ++pos;
  }
  if (DigitValue(s, starts[0], lens[0]) > 23 || DigitValue(s, starts[1], lens[1]) > 59 ||
      DigitValue(s, starts[2], lens[2]) > 60) {
    return false;
  }
  t = {starts[0], lens[0], starts[1], lens[1], starts[2], lens[2], 0, 0, pos};
  if (pos + 1 < s.size() && (s[pos] == '.' || s[pos] == ',' || s[pos] == ':') &&
      DigitRun(s, pos + 1) > 0 && DigitRun(s, pos + 1) <= 9) {
    t.fraction = pos + 1;
    t.fraction_len = DigitRun(s, pos + 1);
    pos = t.fraction + t.fraction_len;
  }
  if (pos < s.size() && IsAlnum(s[pos]) && s[pos] != 'Z') return false;
  t.end = pos;
  return true;
}

// What follows a time and is kept: a zone (" +0000", "+02:00") and a year
// (" 2005", as in Apache's "[Sun Dec 04 04:47:44 2005]").
size_t TimeSuffixEnd(std::string_view s, size_t pos) {
  size_t p = pos < s.size() && s[pos] == ' ' ? pos + 1 : pos;
  if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    size_t n = DigitRun(s, p + 1);
    if (n == 4) return p + 5;
    if (n == 2 && p + 6 <= s.size() && s[p + 3] == ':' && DigitRun(s, p + 4) == 2) return p + 6;
  }
  if (p > pos && DigitRun(s, p) == 4 && (s[p] == '1' || s[p] == '2') &&
      (p + 4 == s.size() || (!IsAlnum(s[p + 4]) && strchr("-./", s[p + 4]) == nullptr))) {
    return p + 4;
  }
  return pos;
}

// a.b.c.d, each 0..255, not part of a longer dotted number.
size_t MatchIpv4(std::string_view s, size_t i) {
  if (i > 0 && s[i - 1] == '.') return 0;
  size_t pos = i;
  for (int part = 0; part < 4; ++part) {
    size_t n = DigitRun(s, pos);
    if (n < 1 || n > 3 || DigitValue(s, pos, n) > 255) return 0;
    pos += n;
    if (part < 3) {
      if (pos >= s.size() || s[pos] != '.') return 0;
      ++pos;
    }
  }
  if (pos < s.size() && (IsAlnum(s[pos]) || (s[pos] == '.' && DigitRun(s, pos + 1) > 0))) return 0;
  return pos;
}

// An alphanumeric token that is all hex with both digits and letters of
// one case (a hex id), or any hex after a 0x prefix (`prefixed`).
FieldKind HexKind(std::string_view token, bool prefixed) {
  if (token.empty() || (!prefixed && token.size() < 4)) return FieldKind::kLiteral;
  bool digit = false, lower = false, upper = false;
  for (char c : token) {
    if (IsDigit(c)) {
      digit = true;
    } else if (c >= 'a' && c <= 'f') {
      lower = true;
    } else if (c >= 'A' && c <= 'F') {
      upper = true;
    } else {
      return FieldKind::kLiteral;
    }
  }
  if (lower && upper) return FieldKind::kLiteral;
  if (!prefixed && (!digit || !(lower || upper))) return FieldKind::kLiteral;
  return upper ? FieldKind::kHexUpper : FieldKind::kHexLower;
}

class TemplateBuilder {
 public:
  void Literal(std::string_view s) {
    if (!t_.fields.empty() && t_.fields.back().kind == FieldKind::kLiteral) {
      t_.fields.back().length += static_cast<uint32_t>(s.size());
    } else {
      t_.fields.push_back({FieldKind::kLiteral, false, static_cast<uint32_t>(t_.text.size()),
                           static_cast<uint32_t>(s.size())});
    }
    t_.text.append(s);
    t_.max_length += s.size();
  }
  void Variable(FieldKind kind, size_t length, bool nonzero_first = false) {
    t_.fields.push_back({kind, nonzero_first, 0, static_cast<uint32_t>(length)});
    t_.max_length += kind == FieldKind::kOctet ? 3 : length;
  }
  void Time(std::string_view s, const TimeMatch& t) {
    Variable(FieldKind::kHour, t.hour_len);
    Literal(s.substr(t.hour + t.hour_len, t.minute - t.hour - t.hour_len));
    Variable(FieldKind::kMinute, t.minute_len);
    Literal(s.substr(t.minute + t.minute_len, t.second - t.minute - t.minute_len));
    Variable(FieldKind::kSecond, t.second_len);
    if (t.fraction_len > 0) {
      Literal(s.substr(t.second + t.second_len, 1));
      Variable(FieldKind::kFraction, t.fraction_len);
    }
  }
  Template Finish() { return std::move(t_); }

 private:
  Template t_;
};

// Where the first time of day starts if the line starts with a timestamp
// (within the first few bytes); everything before it is kept verbatim.
size_t LeadingTimestampStart(std::string_view s) {
  constexpr size_t kMaxTimestampOffset = 40;
  TimeMatch t;
  for (size_t i = 0; i < s.size() && i < kMaxTimestampOffset; ++i) {
    if ((i == 0 || !IsAlnum(s[i - 1])) && IsDigit(s[i]) && MatchTime(s, i, false, t)) return i;
  }
  return 0;
}

}  // namespace

Template CompileLineTemplate(std::string_view s) {
  TemplateBuilder b;
  size_t verbatim_until = LeadingTimestampStart(s);
  b.Literal(s.substr(0, verbatim_until));
  size_t i = verbatim_until;
  TimeMatch t;
  while (i < s.size()) {
    char c = s[i];
    bool token_start = i == 0 || !IsAlnum(s[i - 1]);
    if (token_start && IsDigit(c)) {
      if (size_t end = MatchDate(s, i)) {
        b.Literal(s.substr(i, end - i));
        i = end;
        if (i + 1 < s.size() && strchr("T -_:", s[i]) != nullptr && MatchTime(s, i + 1, true, t)) {
          b.Literal(s.substr(i, 1));
          b.Time(s, t);
          size_t suffix = TimeSuffixEnd(s, t.end);
          b.Literal(s.substr(t.end, suffix - t.end));
          i = suffix;
        }
        continue;
      }
      if (MatchTime(s, i, false, t)) {
        b.Time(s, t);
        size_t suffix = TimeSuffixEnd(s, t.end);
        b.Literal(s.substr(t.end, suffix - t.end));
        i = suffix;
        continue;
      }
      if (size_t end = MatchIpv4(s, i)) {
        size_t first = DigitRun(s, i);
        b.Literal(s.substr(i, first + 1));
        for (int octet = 0; octet < 3; ++octet) {
          if (octet > 0) b.Literal(".");
          b.Variable(FieldKind::kOctet, 0);
        }
        i = end;
        continue;
      }
    }
    if (token_start && IsAlnum(c)) {
      size_t j = i;
      while (j < s.size() && IsAlnum(s[j])) ++j;
      std::string_view token = s.substr(i, j - i);
      size_t prefix = token.size() > 2 && token[0] == '0' && token[1] == 'x' ? 2 : 0;
      FieldKind hex = HexKind(token.substr(prefix), prefix > 0);
      if (hex != FieldKind::kLiteral) {
        b.Literal(token.substr(0, prefix));
        b.Variable(hex, token.size() - prefix);
        i = j;
        continue;
      }
    }
    // Digits glued to a letter are part of a name (v1, x86_64, ssh2) and
    // are kept; other digit runs are values and are redrawn.
    if (IsDigit(c)) {
      size_t n = DigitRun(s, i);
      if (i > 0 && IsAlpha(s[i - 1])) {
        b.Literal(s.substr(i, n));
      } else {
        b.Variable(FieldKind::kDigits, n, n > 1 && c != '0');
      }
      i += n;
      continue;
    }
    b.Literal(s.substr(i, 1));
    ++i;
  }
  return b.Finish();
}

}  // namespace lode::bench
