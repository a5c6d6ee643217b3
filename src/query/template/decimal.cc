#include "query/template/decimal.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace lode::tmpl {
namespace {

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

// Brings both to the smaller exponent; false when a mantissa would
// outgrow kDecimalLimit.
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

}  // namespace

Result<double> DecimalStep(double x, double y, DecimalOp op) {
  if (!std::isfinite(x) || !std::isfinite(y)) {
    switch (op) {
      case DecimalOp::kAdd:
        return x + y;
      case DecimalOp::kSub:
        return x - y;
      case DecimalOp::kMul:
        return x * y;
      case DecimalOp::kDiv:
        return x / y;
    }
  }
  Decimal a = FromDouble(x), b = FromDouble(y);
  switch (op) {
    case DecimalOp::kAdd:
    case DecimalOp::kSub:
      if (!Align(a, b)) return op == DecimalOp::kAdd ? x + y : x - y;
      a.m = op == DecimalOp::kAdd ? a.m + b.m : a.m - b.m;
      return ToDouble(a);
    case DecimalOp::kMul: {
      const double approx = static_cast<double>(a.m) * static_cast<double>(b.m);
      if (std::fabs(approx) > 1e36) return x * y;
      a.m *= b.m;
      a.e += b.e;
      return ToDouble(a);
    }
    case DecimalOp::kDiv: {
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

}  // namespace lode::tmpl
