// How a template function receives its arguments: Go's parameter types,
// spf13/cast's conversions for sprig's `interface{}` parameters, and the
// errors text/template reports when they do not fit.
#include <cerrno>
#include <cstdlib>

#include "query/template/functions.h"

namespace lode::tmpl {

Status WrongType(const char* want, const Value& got) {
  return Status::InvalidArgument(std::string("wrong type for value; expected ") + want + "; got " +
                                 TypeName(got));
}

Status WrongCount(std::string_view name, size_t want, size_t got, bool at_least) {
  return Status::InvalidArgument("wrong number of args for " + std::string(name) + ": want " +
                                 (at_least ? "at least " : "") + std::to_string(want) + " got " +
                                 std::to_string(got));
}

Result<std::string_view> StringArg(const Value& v) {
  if (v.kind != Value::Kind::kString) return WrongType("string", v);
  return std::string_view(v.s);
}

// Integer constants and values; Go does not convert others to `int`.
Result<int64_t> IntArg(const Value& v) {
  if (v.kind == Value::Kind::kInt) return v.i;
  return WrongType("int", v);
}

Result<int64_t> TimeArg(const Value& v) {
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
      // strconv.ParseFloat wants a 'p' exponent after a hex mantissa;
      // strtod does not.
      const std::string_view digits = std::string_view(v.s).substr(v.s[0] == '-' || v.s[0] == '+');
      if ((digits.starts_with("0x") || digits.starts_with("0X")) &&
          digits.find_first_of("pP") == std::string_view::npos) {
        return 0;
      }
      char* end = nullptr;
      double f = std::strtod(v.s.c_str(), &end);
      if (end == nullptr || *end != '\0') return 0;
      // strtod takes "inf" and "infinity"; Go takes those too.
      return f;
    }
    default:
      return 0;
  }
}

void AddStringsFunction(FunctionTable& table, const char* name, size_t arity, StringsFunction fn) {
  table[name] = [name, arity, fn = std::move(fn)](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != arity) return WrongCount(name, arity, a.size());
    std::vector<std::string_view> s;
    for (const Value& v : a) {
      LODE_ASSIGN_OR_RETURN(std::string_view x, StringArg(v));
      s.push_back(x);
    }
    return fn(s);
  };
}

}  // namespace lode::tmpl
