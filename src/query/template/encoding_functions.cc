// The encoding functions: sprig's b64enc and b64dec (standard base64),
// LogQL's urlencode and urldecode (Go's url.QueryEscape and
// QueryUnescape).
#include <cctype>
#include <cstdio>

#include "base/base64.h"
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

}  // namespace

void AddEncodingFunctions(FunctionTable& f) {
  AddStringsFunction(f, "b64enc", 1, [](auto& s) -> Result<Value> {
    std::string out;
    AppendBase64(s[0], out);
    return Value::String(std::move(out));
  });
  // sprig's b64dec returns the error's text in place of the bytes.
  AddStringsFunction(f, "b64dec", 1, [](auto& s) -> Result<Value> {
    auto bytes = DecodeStdBase64(s[0]);
    return Value::String(bytes.ok() ? std::move(*bytes) : bytes.status().message());
  });
  AddStringsFunction(f, "urlencode", 1,
                     [](auto& s) -> Result<Value> { return Value::String(QueryEscape(s[0])); });
  AddStringsFunction(f, "urldecode", 1, [](auto& s) -> Result<Value> {
    LODE_ASSIGN_OR_RETURN(std::string v, QueryUnescape(s[0]));
    return Value::String(std::move(v));
  });
}

}  // namespace lode::tmpl
