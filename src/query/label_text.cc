#include "query/label_text.h"

#include <cstdint>
#include <cstring>

#include "base/utf8.h"

namespace lode {
namespace {

bool IsSpaceByte(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpaceByte(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpaceByte(s.back())) s.remove_suffix(1);
  return s;
}

bool IsNameByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

void AppendMapped(std::string* to, std::string_view key) {
  // Most keys are names already.
  size_t clean = 0;
  while (clean < key.size() && IsNameByte(key[clean])) ++clean;
  to->append(key.substr(0, clean));
  for (size_t i = clean; i < key.size();) {
    if (IsNameByte(key[i])) {
      to->push_back(key[i]);
      ++i;
      continue;
    }
    size_t n = Utf8SequenceLength(key, i);
    to->push_back('_');
    i += n == 0 ? 1 : n;
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Hex4(std::string_view s, size_t i, uint32_t* v) {
  if (i + 4 > s.size()) return false;
  uint32_t x = 0;
  for (size_t k = 0; k < 4; ++k) {
    int h = HexValue(s[i + k]);
    if (h < 0) return false;
    x = x * 16 + static_cast<uint32_t>(h);
  }
  *v = x;
  return true;
}

}  // namespace

std::string SanitizeLabelName(std::string_view key) {
  key = Trim(key);
  std::string out;
  if (key.empty()) return out;
  if (key[0] >= '0' && key[0] <= '9') out.push_back('_');
  AppendMapped(&out, key);
  return out;
}

void AppendSanitizedLabelName(std::string* to, std::string_view key) {
  key = Trim(key);
  if (key.empty()) return;
  if (to->empty() && key[0] >= '0' && key[0] <= '9') to->push_back('_');
  AppendMapped(to, key);
}

bool HasInvalidUtf8(std::string_view s) {
  // ASCII, eight bytes at a time, is the common case.
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w & 0x8080808080808080ull) break;
  }
  for (; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t n = Utf8SequenceLength(s, i);
    if (n == 0 || s.substr(i, n) == "\xEF\xBF\xBD") return true;
    i += n;
  }
  return false;
}

void ReplaceInvalidUtf8WithSpace(std::string* s) {
  if (!HasInvalidUtf8(*s)) return;
  std::string out;
  out.reserve(s->size());
  for (size_t i = 0; i < s->size();) {
    if (static_cast<unsigned char>((*s)[i]) < 0x80) {
      out.push_back((*s)[i++]);
      continue;
    }
    size_t n = Utf8SequenceLength(*s, i);
    if (n == 0) {
      out.push_back(' ');
      ++i;
    } else if (s->compare(i, n, "\xEF\xBF\xBD") == 0) {
      out.push_back(' ');
      i += n;
    } else {
      out.append(*s, i, n);
      i += n;
    }
  }
  *s = std::move(out);
}

bool JsonUnescape(std::string_view body, std::string* out) {
  out->clear();
  size_t start = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\') continue;
    out->append(body.substr(start, i - start));
    if (i + 1 >= body.size()) return false;
    char e = body[i + 1];
    switch (e) {
      case '"':
      case '\\':
      case '/':
        out->push_back(e);
        i += 1;
        break;
      case 'b':
        out->push_back('\b');
        i += 1;
        break;
      case 'f':
        out->push_back('\f');
        i += 1;
        break;
      case 'n':
        out->push_back('\n');
        i += 1;
        break;
      case 'r':
        out->push_back('\r');
        i += 1;
        break;
      case 't':
        out->push_back('\t');
        i += 1;
        break;
      case 'u': {
        uint32_t cp;
        if (!Hex4(body, i + 2, &cp)) return false;
        i += 5;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          // A high surrogate must be followed by \u and a low one.
          uint32_t lo;
          if (i + 2 < body.size() && body[i + 1] == '\\' && body[i + 2] == 'u' &&
              Hex4(body, i + 3, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          } else {
            return false;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return false;
        }
        AppendUtf8(cp, out);
        break;
      }
      default:
        return false;
    }
    start = i + 1;
  }
  out->append(body.substr(start));
  return true;
}

bool IsExpressionSpace(char c) { return c == ' ' || c == '\t' || c == '\n'; }

size_t ExpressionFieldLength(std::string_view s, size_t i) {
  auto start = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (i >= s.size() || !start(s[i])) return 0;
  size_t j = i + 1;
  while (j < s.size() && (start(s[j]) || (s[j] >= '0' && s[j] <= '9'))) ++j;
  return j - i;
}

std::string_view ExpressionString(std::string_view s, size_t i, size_t* next) {
  size_t j = i + 1;
  while (j < s.size() && s[j] != '"' && s[j] != ']') ++j;
  *next = j < s.size() ? j + 1 : j;
  return s.substr(i + 1, j - i - 1);
}

}  // namespace lode
