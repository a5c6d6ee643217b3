// The functions a LogQL template may call: LogQL's own (ToUpper, Replace,
// regexReplaceAll, unixEpochMillis, alignLeft, __line__, ...) and the
// sprig functions LogQL exposes (lower, trunc, add, addf, date, default,
// ...), with their argument conversions and error messages.
#include <re2/re2.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>

#include "base/utf8.h"
#include "query/template/internal.h"
#include "query/template/template.h"
#include "query/value_parse.h"

namespace lode::tmpl {
namespace {

Status WrongType(const char* want, const Value& got) {
  return Status::InvalidArgument(std::string("wrong type for value; expected ") + want + "; got " +
                                 TypeName(got));
}

Status WrongCount(std::string_view name, size_t want, size_t got, bool at_least = false) {
  return Status::InvalidArgument("wrong number of args for " + std::string(name) + ": want " +
                                 (at_least ? "at least " : "") + std::to_string(want) + " got " +
                                 std::to_string(got));
}

// A parameter typed `string` in Go.
Result<std::string_view> Str(const Value& v) {
  if (v.kind != Value::Kind::kString) return WrongType("string", v);
  return std::string_view(v.s);
}
// A parameter typed `int`: integer constants and values.
Result<int64_t> Int(const Value& v) {
  if (v.kind == Value::Kind::kInt) return v.i;
  return WrongType("int", v);
}
Result<int64_t> TimeNs(const Value& v) {
  if (v.kind == Value::Kind::kTime) return v.i;
  return WrongType("time.Time", v);
}

// cast.ToInt64: numbers truncate, bools are 0/1, strings parse as Go
// integers (base prefixes allowed, a trailing ".0" tolerated), anything
// else is 0.
int64_t ToInt64(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kInt:
      return v.i;
    case Value::Kind::kFloat:
      // Out of range, Go's conversion gives the smallest int64 (amd64).
      if (!(v.f < 9223372036854775808.0 && v.f >= -9223372036854775808.0)) return INT64_MIN;
      return static_cast<int64_t>(v.f);
    case Value::Kind::kBool:
      return v.b ? 1 : 0;
    case Value::Kind::kString: {
      std::string s = v.s;
      // "12.0" and "12." read as 12.
      size_t dot = s.find('.');
      if (dot != std::string::npos && s.find_first_not_of('0', dot + 1) == std::string::npos) {
        s.resize(dot);
      }
      if (s.empty()) return 0;
      std::string digits;
      for (char c : s) {
        if (c != '_') digits += c;
      }
      errno = 0;
      char* end = nullptr;
      long long x = std::strtoll(digits.c_str(), &end, 0);
      if (end == nullptr || *end != '\0' || errno != 0) return 0;
      return x;
    }
    default:
      return 0;
  }
}

// Go's int64 arithmetic, which wraps around.
int64_t Wrap(int64_t a, int64_t b, char op) {
  const uint64_t x = static_cast<uint64_t>(a), y = static_cast<uint64_t>(b);
  return static_cast<int64_t>(op == '+' ? x + y : op == '-' ? x - y : x * y);
}

// v units of `scale` ns as nanoseconds, held within what an int64 of
// them reaches.
int64_t ScaleToNanos(int64_t v, int64_t scale) {
  const __int128 ns = static_cast<__int128>(v) * scale;
  if (ns > INT64_MAX) return INT64_MAX;
  if (ns <= INT64_MIN) return INT64_MIN + 1;  // INT64_MIN marks the zero time
  return static_cast<int64_t>(ns);
}
int64_t SecondsToNanos(int64_t s) { return ScaleToNanos(s, 1000000000); }

// cast.ToFloat64: strings parse as Go floats; failures are 0.
double ToFloat64(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kInt:
      return static_cast<double>(v.i);
    case Value::Kind::kFloat:
      return v.f;
    case Value::Kind::kBool:
      return v.b ? 1 : 0;
    case Value::Kind::kString: {
      if (v.s.empty()) return 0;
      char* end = nullptr;
      double f = std::strtod(v.s.c_str(), &end);
      if (end == nullptr || *end != '\0') return 0;
      // strtod takes hex floats and "infinity"; Go takes those too.
      return f;
    }
    default:
      return 0;
  }
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
      return false;
  }
  return true;
}

// ---- Exact decimal arithmetic for addf/subf/mulf/divf, which compute in
// decimal (so 0.1 + 0.2 is 0.3, not 0.30000000000000004). ----

struct Decimal {
  __int128 m = 0;  // value = m * 10^e
  int e = 0;
};

Decimal FromDouble(double f) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", f);
  // The shortest digits that read back as f.
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*e", prec - 1, f);
    if (std::strtod(buf, nullptr) == f) break;
  }
  Decimal d;
  bool neg = false;
  const char* p = buf;
  if (*p == '-') {
    neg = true;
    ++p;
  }
  int frac_digits = 0;
  bool in_frac = false;
  for (; *p != '\0' && *p != 'e'; ++p) {
    if (*p == '.') {
      in_frac = true;
      continue;
    }
    d.m = d.m * 10 + (*p - '0');
    if (in_frac) ++frac_digits;
  }
  int exp = *p == 'e' ? std::atoi(p + 1) : 0;
  d.e = exp - frac_digits;
  if (neg) d.m = -d.m;
  return d;
}

double ToDouble(Decimal d) {
  bool neg = d.m < 0;
  unsigned __int128 u =
      neg ? static_cast<unsigned __int128>(-d.m) : static_cast<unsigned __int128>(d.m);
  std::string digits;
  if (u == 0) digits = "0";
  while (u > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  std::string s = (neg ? "-" : "") + digits + "e" + std::to_string(d.e);
  return std::strtod(s.c_str(), nullptr);
}

constexpr __int128 kDecimalLimit = static_cast<__int128>(1) << 120;

bool Align(Decimal& a, Decimal& b) {
  while (a.e > b.e) {
    if (a.m > kDecimalLimit / 10 || a.m < -kDecimalLimit / 10) return false;
    a.m *= 10;
    --a.e;
  }
  while (b.e > a.e) {
    if (b.m > kDecimalLimit / 10 || b.m < -kDecimalLimit / 10) return false;
    b.m *= 10;
    --b.e;
  }
  return true;
}

enum class DecOp { kAdd, kSub, kMul, kDiv };

// One step of a decimal operation; falls back to binary floating point
// when the exact result would not fit.
Result<double> DecimalStep(double x, double y, DecOp op) {
  if (!std::isfinite(x) || !std::isfinite(y)) {
    switch (op) {
      case DecOp::kAdd:
        return x + y;
      case DecOp::kSub:
        return x - y;
      case DecOp::kMul:
        return x * y;
      case DecOp::kDiv:
        return x / y;
    }
  }
  Decimal a = FromDouble(x), b = FromDouble(y);
  switch (op) {
    case DecOp::kAdd:
    case DecOp::kSub:
      if (!Align(a, b)) return op == DecOp::kAdd ? x + y : x - y;
      a.m = op == DecOp::kAdd ? a.m + b.m : a.m - b.m;
      return ToDouble(a);
    case DecOp::kMul: {
      const double approx = static_cast<double>(a.m) * static_cast<double>(b.m);
      if (std::fabs(approx) > 1e36) return x * y;
      a.m *= b.m;
      a.e += b.e;
      return ToDouble(a);
    }
    case DecOp::kDiv: {
      if (b.m == 0) return Status::InvalidArgument("decimal division by 0");
      // Sixteen decimal places, rounded half away from zero.
      Decimal q;
      __int128 num = a.m;
      int shift = 16 + a.e - b.e;  // q.e = -16
      bool overflow = false;
      for (int i = 0; i < shift + 1 && !overflow; ++i) {
        if (num > kDecimalLimit / 10 || num < -kDecimalLimit / 10)
          overflow = true;
        else
          num *= 10;  // one extra digit for rounding
      }
      if (overflow || shift < 0) return x / y;
      __int128 r = num / b.m;
      r = r >= 0 ? (r + 5) / 10 : (r - 5) / 10;
      q.m = r;
      q.e = -16;
      return ToDouble(q);
    }
  }
  return x;
}

// ---- Go strings helpers. ----

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

// Regexes compiled by the regex functions, shared across records: a
// template applies the same few patterns to every line.
std::shared_ptr<const re2::RE2> CachedRegex(const std::string& pattern, std::string* error) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::shared_ptr<const re2::RE2>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(pattern);
  if (it != cache.end()) return it->second;
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>(pattern, options);
  if (!re->ok()) {
    *error = "error parsing regexp: " + re->error() + ": `" + pattern + "`";
    return nullptr;
  }
  if (cache.size() > 1000) cache.clear();
  cache.emplace(pattern, re);
  return re;
}

// Go's Regexp.Expand of a replacement template: $1, ${1}, $name, ${name}, $$.
void Expand(std::string_view repl, const re2::RE2& re, const std::vector<re2::StringPiece>& groups,
            std::string* out) {
  const auto& names = re.NamedCapturingGroups();
  for (size_t i = 0; i < repl.size(); ++i) {
    if (repl[i] != '$' || i + 1 >= repl.size()) {
      out->push_back(repl[i]);
      continue;
    }
    if (repl[i + 1] == '$') {
      out->push_back('$');
      ++i;
      continue;
    }
    std::string name;
    size_t end;
    if (repl[i + 1] == '{') {
      size_t close = repl.find('}', i + 2);
      if (close == std::string_view::npos) {
        out->push_back('$');
        continue;
      }
      name = std::string(repl.substr(i + 2, close - i - 2));
      bool valid = !name.empty();
      for (char c : name) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) valid = false;
      }
      if (!valid) {
        out->push_back('$');
        continue;
      }
      end = close;
    } else {
      size_t j = i + 1;
      while (j < repl.size() &&
             (std::isalnum(static_cast<unsigned char>(repl[j])) || repl[j] == '_'))
        ++j;
      if (j == i + 1) {
        out->push_back('$');
        continue;
      }
      name = std::string(repl.substr(i + 1, j - i - 1));
      end = j - 1;
    }
    i = end;
    int index = -1;
    if (std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      index = name.size() < 9 ? std::atoi(name.c_str()) : -1;
    } else if (auto it = names.find(name); it != names.end()) {
      index = it->second;
    }
    if (index >= 0 && static_cast<size_t>(index) < groups.size() &&
        groups[index].data() != nullptr) {
      out->append(groups[index].data(), groups[index].size());
    }
  }
}

// Go's ReplaceAllString / ReplaceAllLiteralString.
std::string RegexReplaceAll(const re2::RE2& re, std::string_view s, std::string_view repl,
                            bool literal) {
  std::string out;
  const int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(ngroups);
  size_t pos = 0, last_match_end = std::string::npos;
  size_t copied = 0;
  while (pos <= s.size()) {
    if (!re.Match(re2::StringPiece(s.data(), s.size()), pos, s.size(), re2::RE2::UNANCHORED,
                  groups.data(), ngroups)) {
      break;
    }
    size_t mstart = groups[0].data() - s.data();
    size_t mend = mstart + groups[0].size();
    // An empty match right after the previous match is ignored.
    if (!(groups[0].empty() && mstart == last_match_end)) {
      out.append(s.substr(copied, mstart - copied));
      if (literal) {
        out.append(repl);
      } else {
        Expand(repl, re, groups, &out);
      }
      copied = mend;
      last_match_end = mend;
    }
    if (mend > pos) {
      pos = mend;
    } else {
      // Step past one rune.
      pos += pos < s.size() ? Utf8LeadLength(static_cast<unsigned char>(s[pos])) : 1;
    }
  }
  if (copied < s.size()) out.append(s.substr(copied));
  return out;
}

size_t RegexCount(const re2::RE2& re, std::string_view s) {
  size_t n = 0, pos = 0, last_end = std::string::npos;
  re2::StringPiece m;
  while (pos <= s.size()) {
    if (!re.Match(re2::StringPiece(s.data(), s.size()), pos, s.size(), re2::RE2::UNANCHORED, &m, 1))
      break;
    size_t start = m.data() - s.data(), end = start + m.size();
    if (!(m.empty() && start == last_end)) {
      ++n;
      last_end = end;
    }
    pos = end > pos ? end : pos + 1;
  }
  return n;
}

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

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
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

using Args = std::vector<Value>;

std::map<std::string, Function, std::less<>> BuildFunctions() {
  std::map<std::string, Function, std::less<>> f;
  // A function of fixed arity whose parameters are all strings.
  auto strings = [&f](const char* name, size_t n,
                      std::function<Result<Value>(const std::vector<std::string_view>&)> fn) {
    f[name] = [name, n, fn](const CallContext&, Args& a) -> Result<Value> {
      if (a.size() != n) return WrongCount(name, n, a.size());
      std::vector<std::string_view> s;
      for (const Value& v : a) {
        LODE_ASSIGN_OR_RETURN(std::string_view x, Str(v));
        s.push_back(x);
      }
      return fn(s);
    };
  };
  auto S = [](std::string s) { return Value::String(std::move(s)); };

  // LogQL's own.
  strings("ToLower", 1, [S](auto& s) -> Result<Value> { return S(ToLowerAscii(s[0])); });
  strings("ToUpper", 1, [S](auto& s) -> Result<Value> { return S(ToUpperAscii(s[0])); });
  f["Replace"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 4) return WrongCount("Replace", 4, a.size());
    LODE_ASSIGN_OR_RETURN(std::string_view s, Str(a[0]));
    LODE_ASSIGN_OR_RETURN(std::string_view o, Str(a[1]));
    LODE_ASSIGN_OR_RETURN(std::string_view n, Str(a[2]));
    LODE_ASSIGN_OR_RETURN(int64_t count, Int(a[3]));
    return Value::String(ReplaceN(s, o, n, count));
  };
  strings("Trim", 2, [S](auto& s) -> Result<Value> {
    return S(std::string(TrimRightSet(TrimLeftSet(s[0], s[1]), s[1])));
  });
  strings("TrimLeft", 2,
          [S](auto& s) -> Result<Value> { return S(std::string(TrimLeftSet(s[0], s[1]))); });
  strings("TrimRight", 2,
          [S](auto& s) -> Result<Value> { return S(std::string(TrimRightSet(s[0], s[1]))); });
  strings("TrimPrefix", 2, [S](auto& s) -> Result<Value> {
    std::string_view x = s[0];
    if (x.starts_with(s[1])) x.remove_prefix(s[1].size());
    return S(std::string(x));
  });
  strings("TrimSuffix", 2, [S](auto& s) -> Result<Value> {
    std::string_view x = s[0];
    if (x.ends_with(s[1])) x.remove_suffix(s[1].size());
    return S(std::string(x));
  });
  strings("TrimSpace", 1,
          [S](auto& s) -> Result<Value> { return S(std::string(TrimSpace(s[0]))); });
  for (bool literal : {false, true}) {
    strings(literal ? "regexReplaceAllLiteral" : "regexReplaceAll", 3,
            [S, literal](auto& s) -> Result<Value> {
              std::string error;
              auto re = CachedRegex(std::string(s[0]), &error);
              if (re == nullptr) return Status::InvalidArgument(error);
              return S(RegexReplaceAll(*re, s[1], s[2], literal));
            });
  }
  strings("count", 2, [](auto& s) -> Result<Value> {
    std::string error;
    auto re = CachedRegex(std::string(s[0]), &error);
    if (re == nullptr) return Status::InvalidArgument(error);
    return Value::Int(static_cast<int64_t>(RegexCount(*re, s[1])));
  });
  strings("urlencode", 1, [S](auto& s) -> Result<Value> { return S(QueryEscape(s[0])); });
  strings("urldecode", 1, [S](auto& s) -> Result<Value> {
    LODE_ASSIGN_OR_RETURN(std::string v, QueryUnescape(s[0]));
    return S(std::move(v));
  });
  auto epoch = [&f](const char* name, int64_t divisor) {
    f[name] = [name, divisor](const CallContext&, Args& a) -> Result<Value> {
      if (a.size() != 1) return WrongCount(name, 1, a.size());
      LODE_ASSIGN_OR_RETURN(int64_t ns, TimeNs(a[0]));
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
  f["toDateInZone"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 3) return WrongCount("toDateInZone", 3, a.size());
    LODE_ASSIGN_OR_RETURN(std::string_view layout, Str(a[0]));
    LODE_ASSIGN_OR_RETURN(std::string_view zone, Str(a[1]));
    LODE_ASSIGN_OR_RETURN(std::string_view text, Str(a[2]));
    // Zones by name would need a time zone database: UTC stands in for
    // every zone, as it does for an unknown one.
    (void)zone;
    auto t = ParseGoTime(layout, text);
    if (!t.ok()) return Value::Time(kZeroTime);
    return *t;
  };
  f["unixToTime"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 1) return WrongCount("unixToTime", 1, a.size());
    LODE_ASSIGN_OR_RETURN(std::string_view s, Str(a[0]));
    errno = 0;
    char* end = nullptr;
    std::string text(s);
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0) {
      return Status::InvalidArgument("unable to parse time '" + text +
                                     "': strconv.ParseInt: parsing \"" + text +
                                     "\": invalid syntax");
    }
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
  for (bool left : {true, false}) {
    const char* name = left ? "alignLeft" : "alignRight";
    f[name] = [name, left](const CallContext&, Args& a) -> Result<Value> {
      if (a.size() != 2) return WrongCount(name, 2, a.size());
      LODE_ASSIGN_OR_RETURN(int64_t n, Int(a[0]));
      LODE_ASSIGN_OR_RETURN(std::string_view s, Str(a[1]));
      return Value::String(Align(n, s, left));
    };
  }
  strings("bytes", 1, [](auto& s) -> Result<Value> {
    LODE_ASSIGN_OR_RETURN(uint64_t v, ParseHumanBytes(s[0]));
    return Value::Float(static_cast<double>(v));
  });
  for (const char* name : {"duration", "duration_seconds"}) {
    strings(name, 1, [](auto& s) -> Result<Value> {
      LODE_ASSIGN_OR_RETURN(int64_t ns, ParseGoDuration(s[0]));
      return Value::Float(GoDurationSeconds(ns));
    });
  }
  f["__line__"] = [](const CallContext& c, Args& a) -> Result<Value> {
    if (!a.empty()) return WrongCount("__line__", 0, a.size());
    return Value::String(std::string(c.input->line));
  };
  f["__timestamp__"] = [](const CallContext& c, Args& a) -> Result<Value> {
    if (!a.empty()) return WrongCount("__timestamp__", 0, a.size());
    return Value::Time(c.input->timestamp_ns);
  };

  // sprig's.
  strings("b64enc", 1, [S](auto& s) -> Result<Value> { return S(Base64Encode(s[0])); });
  strings("b64dec", 1, [S](auto& s) -> Result<Value> { return S(Base64Decode(s[0])); });
  strings("lower", 1, [S](auto& s) -> Result<Value> { return S(ToLowerAscii(s[0])); });
  strings("upper", 1, [S](auto& s) -> Result<Value> { return S(ToUpperAscii(s[0])); });
  strings("title", 1, [S](auto& s) -> Result<Value> { return S(Title(s[0])); });
  f["trunc"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 2) return WrongCount("trunc", 2, a.size());
    LODE_ASSIGN_OR_RETURN(int64_t c, Int(a[0]));
    LODE_ASSIGN_OR_RETURN(std::string_view s, Str(a[1]));
    const int64_t len = static_cast<int64_t>(s.size());
    if (c < 0 && len + c > 0) return Value::String(std::string(s.substr(len + c)));
    if (c >= 0 && len > c) return Value::String(std::string(s.substr(0, c)));
    return Value::String(std::string(s));
  };
  f["substr"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 3) return WrongCount("substr", 3, a.size());
    LODE_ASSIGN_OR_RETURN(int64_t start, Int(a[0]));
    LODE_ASSIGN_OR_RETURN(int64_t end, Int(a[1]));
    LODE_ASSIGN_OR_RETURN(std::string_view s, Str(a[2]));
    const int64_t len = static_cast<int64_t>(s.size());
    auto oob = [] { return Status::InvalidArgument("runtime error: slice bounds out of range"); };
    if (start < 0) {
      if (end < 0 || end > len) return oob();
      return Value::String(std::string(s.substr(0, end)));
    }
    if (end < 0 || end > len) {
      if (start > len) return oob();
      return Value::String(std::string(s.substr(start)));
    }
    if (start > end) return oob();
    return Value::String(std::string(s.substr(start, end - start)));
  };
  strings("contains", 2, [](auto& s) -> Result<Value> {
    return Value::Bool(s[1].find(s[0]) != std::string_view::npos);
  });
  strings("hasPrefix", 2,
          [](auto& s) -> Result<Value> { return Value::Bool(s[1].starts_with(s[0])); });
  strings("hasSuffix", 2,
          [](auto& s) -> Result<Value> { return Value::Bool(s[1].ends_with(s[0])); });
  for (bool newline : {false, true}) {
    const char* name = newline ? "nindent" : "indent";
    f[name] = [name, newline](const CallContext&, Args& a) -> Result<Value> {
      if (a.size() != 2) return WrongCount(name, 2, a.size());
      LODE_ASSIGN_OR_RETURN(int64_t n, Int(a[0]));
      LODE_ASSIGN_OR_RETURN(std::string_view s, Str(a[1]));
      std::string pad(n > 0 ? static_cast<size_t>(n) : 0, ' ');
      return Value::String((newline ? "\n" : "") + pad + ReplaceN(s, "\n", "\n" + pad, -1));
    };
  }
  strings("replace", 3,
          [S](auto& s) -> Result<Value> { return S(ReplaceN(s[2], s[0], s[1], -1)); });
  f["repeat"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 2) return WrongCount("repeat", 2, a.size());
    LODE_ASSIGN_OR_RETURN(int64_t n, Int(a[0]));
    LODE_ASSIGN_OR_RETURN(std::string_view s, Str(a[1]));
    if (n < 0) return Status::InvalidArgument("strings: negative Repeat count");
    if (static_cast<uint64_t>(n) * s.size() > (64u << 20)) {
      return Status::InvalidArgument("strings: Repeat output length overflow");
    }
    std::string out;
    for (int64_t i = 0; i < n; ++i) out.append(s);
    return Value::String(std::move(out));
  };
  strings("trim", 1, [S](auto& s) -> Result<Value> { return S(std::string(TrimSpace(s[0]))); });
  strings("trimAll", 2, [S](auto& s) -> Result<Value> {
    return S(std::string(TrimRightSet(TrimLeftSet(s[1], s[0]), s[0])));
  });
  strings("trimSuffix", 2, [S](auto& s) -> Result<Value> {
    std::string_view x = s[1];
    if (x.ends_with(s[0])) x.remove_suffix(s[0].size());
    return S(std::string(x));
  });
  strings("trimPrefix", 2, [S](auto& s) -> Result<Value> {
    std::string_view x = s[1];
    if (x.starts_with(s[0])) x.remove_prefix(s[0].size());
    return S(std::string(x));
  });
  f["int"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 1) return WrongCount("int", 1, a.size());
    return Value::Int(ToInt64(a[0]));
  };
  f["float64"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 1) return WrongCount("float64", 1, a.size());
    return Value::Float(ToFloat64(a[0]));
  };
  f["add"] = [](const CallContext&, Args& a) -> Result<Value> {
    int64_t s = 0;
    for (const Value& v : a) s = Wrap(s, ToInt64(v), '+');
    return Value::Int(s);
  };
  f["sub"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 2) return WrongCount("sub", 2, a.size());
    return Value::Int(Wrap(ToInt64(a[0]), ToInt64(a[1]), '-'));
  };
  f["mul"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.empty()) return WrongCount("mul", 1, 0, true);
    int64_t p = ToInt64(a[0]);
    for (size_t i = 1; i < a.size(); ++i) p = Wrap(p, ToInt64(a[i]), '*');
    return Value::Int(p);
  };
  for (bool mod : {false, true}) {
    const char* name = mod ? "mod" : "div";
    f[name] = [name, mod](const CallContext&, Args& a) -> Result<Value> {
      if (a.size() != 2) return WrongCount(name, 2, a.size());
      int64_t x = ToInt64(a[0]), y = ToInt64(a[1]);
      if (y == 0) return Status::InvalidArgument("runtime error: integer divide by zero");
      if (x == INT64_MIN && y == -1) return Value::Int(mod ? 0 : x);
      return Value::Int(mod ? x % y : x / y);
    };
  }
  auto decimal = [&f](const char* name, DecOp op, bool needs_two) {
    f[name] = [name, op, needs_two](const CallContext&, Args& a) -> Result<Value> {
      if (needs_two && a.empty()) return WrongCount(name, 1, 0, true);
      // addf starts from 0 (its arguments are all addends); the others
      // start from the first argument.
      double acc = op == DecOp::kAdd ? 0 : (a.empty() ? 0 : ToFloat64(a[0]));
      for (size_t i = op == DecOp::kAdd ? 0 : 1; i < a.size(); ++i) {
        auto r = DecimalStep(acc, ToFloat64(a[i]), op);
        if (!r.ok()) return r.status();
        acc = *r;
      }
      return Value::Float(acc);
    };
  };
  decimal("addf", DecOp::kAdd, false);
  decimal("subf", DecOp::kSub, true);
  decimal("mulf", DecOp::kMul, true);
  decimal("divf", DecOp::kDiv, true);
  for (bool is_max : {true, false}) {
    const char* name = is_max ? "max" : "min";
    f[name] = [name, is_max](const CallContext&, Args& a) -> Result<Value> {
      if (a.empty()) return WrongCount(name, 1, 0, true);
      int64_t r = ToInt64(a[0]);
      for (size_t i = 1; i < a.size(); ++i) {
        int64_t v = ToInt64(a[i]);
        r = is_max ? std::max(r, v) : std::min(r, v);
      }
      return Value::Int(r);
    };
    const char* fname = is_max ? "maxf" : "minf";
    f[fname] = [fname, is_max](const CallContext&, Args& a) -> Result<Value> {
      if (a.empty()) return WrongCount(fname, 1, 0, true);
      double r = ToFloat64(a[0]);
      for (size_t i = 1; i < a.size(); ++i) {
        double v = ToFloat64(a[i]);
        r = is_max ? std::fmax(r, v) : std::fmin(r, v);
        if (std::isnan(v)) r = v;
      }
      return Value::Float(r);
    };
  }
  f["ceil"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 1) return WrongCount("ceil", 1, a.size());
    return Value::Float(std::ceil(ToFloat64(a[0])));
  };
  f["floor"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 1) return WrongCount("floor", 1, a.size());
    return Value::Float(std::floor(ToFloat64(a[0])));
  };
  f["round"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() < 2) return WrongCount("round", 2, a.size(), true);
    LODE_ASSIGN_OR_RETURN(int64_t places, Int(a[1]));
    double round_on = 0.5;
    if (a.size() > 2) {
      if (a[2].kind != Value::Kind::kFloat && a[2].kind != Value::Kind::kInt)
        return WrongType("float64", a[2]);
      round_on = a[2].kind == Value::Kind::kFloat ? a[2].f : static_cast<double>(a[2].i);
    }
    const double pow = std::pow(10.0, static_cast<double>(places));
    const double digit = pow * ToFloat64(a[0]);
    double ip;
    const double frac = std::modf(digit, &ip);
    return Value::Float((frac >= round_on ? std::ceil(digit) : std::floor(digit)) / pow);
  };
  f["date"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 2) return WrongCount("date", 2, a.size());
    LODE_ASSIGN_OR_RETURN(std::string_view layout, Str(a[0]));
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
  f["toDate"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 2) return WrongCount("toDate", 2, a.size());
    LODE_ASSIGN_OR_RETURN(std::string_view layout, Str(a[0]));
    LODE_ASSIGN_OR_RETURN(std::string_view text, Str(a[1]));
    auto t = ParseGoTime(layout, text);
    if (!t.ok()) return Value::Time(kZeroTime);  // the zero time
    return *t;
  };
  f["now"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (!a.empty()) return WrongCount("now", 0, a.size());
    return Value::Time(NowNs());
  };
  f["default"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.empty()) return WrongCount("default", 1, 0, true);
    if (a.size() == 1 || Empty(a[1])) return a[0];
    return a[1];
  };
  return f;
}

}  // namespace

const Function* FindFunction(std::string_view name) {
  static const auto* const kFunctions =
      new std::map<std::string, Function, std::less<>>(BuildFunctions());
  auto it = kFunctions->find(name);
  return it == kFunctions->end() ? nullptr : &it->second;
}

}  // namespace lode::tmpl
