// The string functions: Go's strings package as LogQL exposes it
// (ToUpper, Replace, Trim*, ...), sprig's (lower, title, trunc, substr,
// indent, repeat, contains, default, ...), and LogQL's alignLeft,
// alignRight and bytes.
#include <cctype>

#include "base/utf8.h"
#include "query/template/functions.h"
#include "query/value_parse.h"

namespace lode::tmpl {
namespace {

std::string ToUpperAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}
std::string ToLowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool InCutset(char c, std::string_view cutset) { return cutset.find(c) != std::string_view::npos; }

std::string_view TrimLeftSet(std::string_view s, std::string_view cutset) {
  while (!s.empty() && InCutset(s.front(), cutset)) s.remove_prefix(1);
  return s;
}
std::string_view TrimRightSet(std::string_view s, std::string_view cutset) {
  while (!s.empty() && InCutset(s.back(), cutset)) s.remove_suffix(1);
  return s;
}
std::string_view TrimSpace(std::string_view s) {
  return TrimRightSet(TrimLeftSet(s, " \t\n\v\f\r"), " \t\n\v\f\r");
}

// Go's strings.Replace: at most n replacements (all when n < 0).
std::string ReplaceN(std::string_view s, std::string_view old, std::string_view repl, int64_t n) {
  if (n == 0 || (old == repl)) return std::string(s);
  std::string out;
  size_t pos = 0;
  int64_t done = 0;
  if (old.empty()) {
    // Go inserts the replacement before each rune and at the end.
    for (size_t i = 0; i <= s.size(); ++i) {
      if (n >= 0 && done >= n) {
        out.append(s.substr(i));
        return out;
      }
      out.append(repl);
      ++done;
      if (i < s.size()) {
        const size_t len = Utf8LeadLength(static_cast<unsigned char>(s[i]));
        out.append(s.substr(i, len));
        i += len - 1;
      }
    }
    return out;
  }
  while (n < 0 || done < n) {
    size_t hit = s.find(old, pos);
    if (hit == std::string_view::npos) break;
    out.append(s.substr(pos, hit - pos));
    out.append(repl);
    pos = hit + old.size();
    ++done;
  }
  out.append(s.substr(pos));
  return out;
}

// Pads or cuts to `count` runes (LogQL's alignLeft / alignRight).
std::string Align(int64_t count, std::string_view src, bool left) {
  std::vector<std::string_view> runes;
  for (size_t i = 0; i < src.size();) {
    const size_t len = Utf8LeadLength(static_cast<unsigned char>(src[i]));
    runes.push_back(src.substr(i, len));
    i += len;
  }
  if (count < 0) return std::string(src);
  const size_t n = static_cast<size_t>(count);
  std::string out;
  if (runes.size() >= n) {
    size_t from = left ? 0 : runes.size() - n;
    for (size_t k = from; k < from + n; ++k) out.append(runes[k]);
    return out;
  }
  if (!left) out.append(n - runes.size(), ' ');
  out.append(src);
  if (left) out.append(n - runes.size(), ' ');
  return out;
}

// Go's strings.Title: the first letter of each word in upper case.
std::string Title(std::string_view s) {
  std::string out(s);
  bool prev_sep = true;
  for (char& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    const bool sep = u < 0x80 && !(std::isalnum(u) || c == '_');
    if (prev_sep && u < 0x80) c = static_cast<char>(std::toupper(u));
    prev_sep = sep;
  }
  return out;
}

// sprig's empty(): the zero value of its type.
bool Empty(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNoValue:
    case Value::Kind::kNil:
      return true;
    case Value::Kind::kBool:
      return !v.b;
    case Value::Kind::kInt:
      return v.i == 0;
    case Value::Kind::kFloat:
      return v.f == 0;
    case Value::Kind::kString:
      return v.s.empty();
    case Value::Kind::kTime:
      return v.i == kZeroTime;
    case Value::Kind::kMap:
    case Value::Kind::kAlert:
      return false;
  }
  return true;
}

Value S(std::string s) { return Value::String(std::move(s)); }

// Go's strings package, under LogQL's capitalised names: the string
// operated on comes first.
void AddGoStringsFunctions(FunctionTable& f) {
  AddStringsFunction(f, "ToLower", 1,
                     [](auto& s) -> Result<Value> { return S(ToLowerAscii(s[0])); });
  AddStringsFunction(f, "ToUpper", 1,
                     [](auto& s) -> Result<Value> { return S(ToUpperAscii(s[0])); });
  f["Replace"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 4) return WrongCount("Replace", 4, a.size());
    LODE_ASSIGN_OR_RETURN(std::string_view s, StringArg(a[0]));
    LODE_ASSIGN_OR_RETURN(std::string_view o, StringArg(a[1]));
    LODE_ASSIGN_OR_RETURN(std::string_view n, StringArg(a[2]));
    LODE_ASSIGN_OR_RETURN(int64_t count, IntArg(a[3]));
    return Value::String(ReplaceN(s, o, n, count));
  };
  AddStringsFunction(f, "Trim", 2, [](auto& s) -> Result<Value> {
    return S(std::string(TrimRightSet(TrimLeftSet(s[0], s[1]), s[1])));
  });
  AddStringsFunction(f, "TrimLeft", 2, [](auto& s) -> Result<Value> {
    return S(std::string(TrimLeftSet(s[0], s[1])));
  });
  AddStringsFunction(f, "TrimRight", 2, [](auto& s) -> Result<Value> {
    return S(std::string(TrimRightSet(s[0], s[1])));
  });
  AddStringsFunction(f, "TrimPrefix", 2, [](auto& s) -> Result<Value> {
    std::string_view x = s[0];
    if (x.starts_with(s[1])) x.remove_prefix(s[1].size());
    return S(std::string(x));
  });
  AddStringsFunction(f, "TrimSuffix", 2, [](auto& s) -> Result<Value> {
    std::string_view x = s[0];
    if (x.ends_with(s[1])) x.remove_suffix(s[1].size());
    return S(std::string(x));
  });
  AddStringsFunction(f, "TrimSpace", 1,
                     [](auto& s) -> Result<Value> { return S(std::string(TrimSpace(s[0]))); });
}

// sprig's: the string operated on comes last, so they chain in pipelines
// (`{{ .path | trimPrefix "/" | upper }}`).
void AddSprigStringFunctions(FunctionTable& f) {
  AddStringsFunction(f, "lower", 1, [](auto& s) -> Result<Value> { return S(ToLowerAscii(s[0])); });
  AddStringsFunction(f, "upper", 1, [](auto& s) -> Result<Value> { return S(ToUpperAscii(s[0])); });
  AddStringsFunction(f, "title", 1, [](auto& s) -> Result<Value> { return S(Title(s[0])); });
  f["trunc"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 2) return WrongCount("trunc", 2, a.size());
    LODE_ASSIGN_OR_RETURN(int64_t c, IntArg(a[0]));
    LODE_ASSIGN_OR_RETURN(std::string_view s, StringArg(a[1]));
    const int64_t len = static_cast<int64_t>(s.size());
    if (c < 0 && len + c > 0) return Value::String(std::string(s.substr(len + c)));
    if (c >= 0 && len > c) return Value::String(std::string(s.substr(0, c)));
    return Value::String(std::string(s));
  };
  f["substr"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 3) return WrongCount("substr", 3, a.size());
    LODE_ASSIGN_OR_RETURN(int64_t start, IntArg(a[0]));
    LODE_ASSIGN_OR_RETURN(int64_t end, IntArg(a[1]));
    LODE_ASSIGN_OR_RETURN(std::string_view s, StringArg(a[2]));
    const int64_t len = static_cast<int64_t>(s.size());
    // sprig slices the string; out of range, Go's runtime panics and
    // text/template reports the panic's words.
    auto oob = [](const std::string& bounds) {
      return Status::InvalidArgument("runtime error: slice bounds out of range " + bounds);
    };
    const std::string from = std::to_string(start), to = std::to_string(end);
    if (start < 0) {
      if (end < 0) return oob("[:" + to + "]");
      if (end > len) return oob("[:" + to + "] with length " + std::to_string(len));
      return Value::String(std::string(s.substr(0, end)));
    }
    if (end < 0 || end > len) {
      if (start > len) return oob("[" + from + ":" + std::to_string(len) + "]");
      return Value::String(std::string(s.substr(start)));
    }
    if (start > end) return oob("[" + from + ":" + to + "]");
    return Value::String(std::string(s.substr(start, end - start)));
  };
  AddStringsFunction(f, "contains", 2, [](auto& s) -> Result<Value> {
    return Value::Bool(s[1].find(s[0]) != std::string_view::npos);
  });
  AddStringsFunction(f, "hasPrefix", 2,
                     [](auto& s) -> Result<Value> { return Value::Bool(s[1].starts_with(s[0])); });
  AddStringsFunction(f, "hasSuffix", 2,
                     [](auto& s) -> Result<Value> { return Value::Bool(s[1].ends_with(s[0])); });
  for (bool newline : {false, true}) {
    const char* name = newline ? "nindent" : "indent";
    f[name] = [name, newline](const CallContext&, Args& a) -> Result<Value> {
      if (a.size() != 2) return WrongCount(name, 2, a.size());
      LODE_ASSIGN_OR_RETURN(int64_t n, IntArg(a[0]));
      LODE_ASSIGN_OR_RETURN(std::string_view s, StringArg(a[1]));
      if (n < 0) return Status::InvalidArgument("strings: negative Repeat count");
      std::string pad(static_cast<size_t>(n), ' ');
      return Value::String((newline ? "\n" : "") + pad + ReplaceN(s, "\n", "\n" + pad, -1));
    };
  }
  AddStringsFunction(f, "replace", 3,
                     [](auto& s) -> Result<Value> { return S(ReplaceN(s[2], s[0], s[1], -1)); });
  f["repeat"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 2) return WrongCount("repeat", 2, a.size());
    LODE_ASSIGN_OR_RETURN(int64_t n, IntArg(a[0]));
    LODE_ASSIGN_OR_RETURN(std::string_view s, StringArg(a[1]));
    if (n < 0) return Status::InvalidArgument("strings: negative Repeat count");
    if (static_cast<uint64_t>(n) * s.size() > (64u << 20)) {
      return Status::InvalidArgument("strings: Repeat output length overflow");
    }
    std::string out;
    for (int64_t i = 0; i < n; ++i) out.append(s);
    return Value::String(std::move(out));
  };
  AddStringsFunction(f, "trim", 1,
                     [](auto& s) -> Result<Value> { return S(std::string(TrimSpace(s[0]))); });
  AddStringsFunction(f, "trimAll", 2, [](auto& s) -> Result<Value> {
    return S(std::string(TrimRightSet(TrimLeftSet(s[1], s[0]), s[0])));
  });
  AddStringsFunction(f, "trimSuffix", 2, [](auto& s) -> Result<Value> {
    std::string_view x = s[1];
    if (x.ends_with(s[0])) x.remove_suffix(s[0].size());
    return S(std::string(x));
  });
  AddStringsFunction(f, "trimPrefix", 2, [](auto& s) -> Result<Value> {
    std::string_view x = s[1];
    if (x.starts_with(s[0])) x.remove_prefix(s[0].size());
    return S(std::string(x));
  });
  f["default"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.empty()) return WrongCount("default", 1, 0, true);
    if (a.size() == 1 || Empty(a[1])) return a[0];
    return a[1];
  };
}

// LogQL's own.
void AddLogqlStringFunctions(FunctionTable& f) {
  for (bool left : {true, false}) {
    const char* name = left ? "alignLeft" : "alignRight";
    f[name] = [name, left](const CallContext&, Args& a) -> Result<Value> {
      if (a.size() != 2) return WrongCount(name, 2, a.size());
      LODE_ASSIGN_OR_RETURN(int64_t n, IntArg(a[0]));
      LODE_ASSIGN_OR_RETURN(std::string_view s, StringArg(a[1]));
      return Value::String(Align(n, s, left));
    };
  }
  AddStringsFunction(f, "bytes", 1, [](auto& s) -> Result<Value> {
    LODE_ASSIGN_OR_RETURN(uint64_t v, ParseHumanBytes(s[0]));
    return Value::Float(static_cast<double>(v));
  });
}

}  // namespace

void AddStringFunctions(FunctionTable& table) {
  AddGoStringsFunctions(table);
  AddSprigStringFunctions(table);
  AddLogqlStringFunctions(table);
}

}  // namespace lode::tmpl
