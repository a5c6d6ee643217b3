#include "logql/printer.h"

#include <cstdint>

#include "model/matcher.h"

namespace lode::logql {

namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the well-formed UTF-8 sequence starting s[i] with a lead byte
// >= 0x80, or 0 when it is not one (stray, overlong, surrogate, > U+10FFFF).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = at(i);
  size_t len;
  unsigned char lo = 0x80;  // bounds for the second byte
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (!IsContinuation(at(i + k))) return 0;
  }
  return len;
}

void AppendHexEscape(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 0xF]);
}

}  // namespace

void AppendString(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t len = Utf8SequenceLength(s, i);
      if (len == 0) {
        AppendHexEscape(out, c);
        ++i;
      } else {
        out.append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          AppendHexEscape(out, c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

std::string Print(const LogSelectorExpr& expr) {
  std::string out = "{";
  for (size_t i = 0; i < expr.matchers.size(); ++i) {
    const Matcher& m = expr.matchers[i];
    if (i > 0) out += ", ";
    out += m.name();
    out += MatchTypeOperator(m.type());
    AppendString(out, m.value());
  }
  out += '}';
  for (const LineFilter& f : expr.filters) {
    out += ' ';
    out += LineFilterOperator(f.op);
    for (size_t i = 0; i < f.values.size(); ++i) {
      out += i == 0 ? " " : " or ";
      AppendString(out, f.values[i]);
    }
  }
  return out;
}

}  // namespace lode::logql
