// The math functions, all sprig's: integer arithmetic on cast.ToInt64
// (add, sub, mul, div, mod, max, min, int), float arithmetic on
// cast.ToFloat64 (addf, subf, mulf, divf in decimal; maxf, minf, ceil,
// floor, round, float64).
#include <algorithm>
#include <cmath>

#include "query/template/decimal.h"
#include "query/template/functions.h"

namespace lode::tmpl {
namespace {

// Go's int64 arithmetic, which wraps around.
int64_t Wrap(int64_t a, int64_t b, char op) {
  const uint64_t x = static_cast<uint64_t>(a), y = static_cast<uint64_t>(b);
  return static_cast<int64_t>(op == '+' ? x + y : op == '-' ? x - y : x * y);
}

void AddIntegerFunctions(FunctionTable& f) {
  f["int"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 1) return WrongCount("int", 1, a.size());
    return Value::Int(ToInt64(a[0]));
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
  }
}

void AddFloatFunctions(FunctionTable& f) {
  f["float64"] = [](const CallContext&, Args& a) -> Result<Value> {
    if (a.size() != 1) return WrongCount("float64", 1, a.size());
    return Value::Float(ToFloat64(a[0]));
  };
  auto decimal = [&f](const char* name, DecimalOp op, bool needs_one) {
    f[name] = [name, op, needs_one](const CallContext&, Args& a) -> Result<Value> {
      if (needs_one && a.empty()) return WrongCount(name, 1, 0, true);
      // addf starts from 0 (its arguments are all addends); the others
      // start from the first argument.
      double acc = op == DecimalOp::kAdd ? 0 : (a.empty() ? 0 : ToFloat64(a[0]));
      for (size_t i = op == DecimalOp::kAdd ? 0 : 1; i < a.size(); ++i) {
        auto r = DecimalStep(acc, ToFloat64(a[i]), op);
        if (!r.ok()) return r.status();
        acc = *r;
      }
      return Value::Float(acc);
    };
  };
  decimal("addf", DecimalOp::kAdd, false);
  decimal("subf", DecimalOp::kSub, true);
  decimal("mulf", DecimalOp::kMul, true);
  decimal("divf", DecimalOp::kDiv, true);
  for (bool is_max : {true, false}) {
    const char* name = is_max ? "maxf" : "minf";
    f[name] = [name, is_max](const CallContext&, Args& a) -> Result<Value> {
      if (a.empty()) return WrongCount(name, 1, 0, true);
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
    LODE_ASSIGN_OR_RETURN(int64_t places, IntArg(a[1]));
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
}

}  // namespace

void AddMathFunctions(FunctionTable& table) {
  AddIntegerFunctions(table);
  AddFloatFunctions(table);
}

}  // namespace lode::tmpl
