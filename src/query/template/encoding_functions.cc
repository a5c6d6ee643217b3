// The encoding functions: sprig's b64enc and b64dec (standard base64),
// LogQL's urlencode and urldecode (Go's url.QueryEscape and
// QueryUnescape).
#include <cctype>
#include <cstdio>
#include <cstring>

#include "query/template/functions.h"

namespace lode::tmpl {
namespace {

std::string QueryEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out.append(buf);
    }
  }
  return out;
}

Result<std::string> QueryUnescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      auto hexval = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      if (i + 2 >= s.size()) {
        return Status::InvalidArgument("invalid URL escape \"" + std::string(s.substr(i, 3)) +
                                       "\"");
      }
      int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
      if (h < 0 || l < 0) {
        return Status::InvalidArgument("invalid URL escape \"" + std::string(s.substr(i, 3)) +
                                       "\"");
      }
      out.push_back(static_cast<char>(h * 16 + l));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view s) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(s[i]) << 16) |
                 (static_cast<unsigned char>(s[i + 1]) << 8) | static_cast<unsigned char>(s[i + 2]);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i < s.size()) {
    uint32_t v = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) v |= static_cast<unsigned char>(s[i + 1]) << 8;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < s.size() ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Decodes standard base64 (missing padding is supplied); on failure
// returns the error's text, as sprig's b64dec does.
std::string Base64Decode(std::string_view s) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\r' || c == '\n') continue;
    if (c == '=') break;
    const char* p = std::strchr(kB64, c);
    if (p == nullptr || c == '\0') return "illegal base64 data at input byte " + std::to_string(i);
    acc = (acc << 6) | static_cast<uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Padding must complete the last quantum.
  size_t data = 0;
  for (size_t k = 0; k < i; ++k) {
    if (s[k] != '\r' && s[k] != '\n') ++data;
  }
  size_t pad = 0;
  for (size_t k = i; k < s.size(); ++k) {
    if (s[k] == '=') {
      ++pad;
    } else if (s[k] != '\r' && s[k] != '\n') {
      return "illegal base64 data at input byte " + std::to_string(k);
    }
  }
  // Unpadded input (`Zm9vYmE`) decodes as if padded, as Loki's b64dec
  // pads it before decoding.
  if (pad == 0 && data % 4 != 1) pad = (4 - data % 4) % 4;
  if ((data + pad) % 4 != 0 || (data % 4 == 1)) {
    return "illegal base64 data at input byte " + std::to_string(s.size() > 0 ? s.size() - 1 : 0);
  }
  return out;
}

}  // namespace

void AddEncodingFunctions(FunctionTable& f) {
  AddStringsFunction(f, "b64enc", 1,
                     [](auto& s) -> Result<Value> { return Value::String(Base64Encode(s[0])); });
  AddStringsFunction(f, "b64dec", 1,
                     [](auto& s) -> Result<Value> { return Value::String(Base64Decode(s[0])); });
  AddStringsFunction(f, "urlencode", 1,
                     [](auto& s) -> Result<Value> { return Value::String(QueryEscape(s[0])); });
  AddStringsFunction(f, "urldecode", 1, [](auto& s) -> Result<Value> {
    LODE_ASSIGN_OR_RETURN(std::string v, QueryUnescape(s[0]));
    return Value::String(std::move(v));
  });
}

}  // namespace lode::tmpl
