// Exact decimal arithmetic for sprig's addf, subf, mulf and divf, which
// compute in decimal (shopspring/decimal): 0.1 + 0.2 is 0.3, not
// 0.30000000000000004.
#pragma once

#include "base/status.h"

namespace lode::tmpl {

enum class DecimalOp { kAdd, kSub, kMul, kDiv };

// x op y on the shortest decimals that read back as x and y, rounded to
// the nearest double. Division keeps sixteen decimal places (rounded half
// away from zero); a result too large for exact digits falls back to
// binary floating point. Dividing by zero fails.
Result<double> DecimalStep(double x, double y, DecimalOp op);

}  // namespace lode::tmpl
