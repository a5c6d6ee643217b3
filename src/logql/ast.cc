#include "logql/ast.h"

namespace lode::logql {

bool LogSelectorExpr::OnlyTextLineFilters() const {
  for (const Stage& stage : pipeline) {
    const auto* f = std::get_if<LineFilter>(&stage);
    if (f == nullptr || !IsTextLineFilter(*f)) return false;
  }
  return true;
}

std::vector<LineFilter> LogSelectorExpr::LineFilters() const {
  std::vector<LineFilter> out;
  for (const Stage& stage : pipeline) {
    if (const auto* f = std::get_if<LineFilter>(&stage)) out.push_back(*f);
  }
  return out;
}

const char* CompareOperator(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "==";
    case CompareOp::kNeq:
      return "!=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGte:
      return ">=";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLte:
      return "<=";
  }
  return "?";
}

const char* RangeOpName(RangeOp op) {
  switch (op) {
    case RangeOp::kCountOverTime:
      return "count_over_time";
    case RangeOp::kRate:
      return "rate";
    case RangeOp::kRateCounter:
      return "rate_counter";
    case RangeOp::kBytesOverTime:
      return "bytes_over_time";
    case RangeOp::kBytesRate:
      return "bytes_rate";
    case RangeOp::kAvgOverTime:
      return "avg_over_time";
    case RangeOp::kSumOverTime:
      return "sum_over_time";
    case RangeOp::kMinOverTime:
      return "min_over_time";
    case RangeOp::kMaxOverTime:
      return "max_over_time";
    case RangeOp::kStddevOverTime:
      return "stddev_over_time";
    case RangeOp::kStdvarOverTime:
      return "stdvar_over_time";
    case RangeOp::kQuantileOverTime:
      return "quantile_over_time";
    case RangeOp::kFirstOverTime:
      return "first_over_time";
    case RangeOp::kLastOverTime:
      return "last_over_time";
    case RangeOp::kAbsentOverTime:
      return "absent_over_time";
  }
  return "?";
}

const char* VectorOpName(VectorOp op) {
  switch (op) {
    case VectorOp::kSum:
      return "sum";
    case VectorOp::kAvg:
      return "avg";
    case VectorOp::kMin:
      return "min";
    case VectorOp::kMax:
      return "max";
    case VectorOp::kCount:
      return "count";
    case VectorOp::kStddev:
      return "stddev";
    case VectorOp::kStdvar:
      return "stdvar";
    case VectorOp::kTopk:
      return "topk";
    case VectorOp::kBottomk:
      return "bottomk";
    case VectorOp::kSort:
      return "sort";
    case VectorOp::kSortDesc:
      return "sort_desc";
    case VectorOp::kApproxTopk:
      return "approx_topk";
  }
  return "?";
}

const char* BinaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kUnless:
      return "unless";
    case BinaryOp::kEq:
      return "==";
    case BinaryOp::kNeq:
      return "!=";
    case BinaryOp::kGt:
      return ">";
    case BinaryOp::kGte:
      return ">=";
    case BinaryOp::kLt:
      return "<";
    case BinaryOp::kLte:
      return "<=";
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "^";
  }
  return "?";
}

int BinaryPrecedence(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr:
      return 1;
    case BinaryOp::kAnd:
    case BinaryOp::kUnless:
      return 2;
    case BinaryOp::kEq:
    case BinaryOp::kNeq:
    case BinaryOp::kGt:
    case BinaryOp::kGte:
    case BinaryOp::kLt:
    case BinaryOp::kLte:
      return 3;
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
      return 4;
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod:
      return 5;
    case BinaryOp::kPow:
      return 6;
  }
  return 0;
}

bool IsComparison(BinaryOp op) { return BinaryPrecedence(op) == 3; }
bool IsSetOperator(BinaryOp op) { return BinaryPrecedence(op) <= 2; }

}  // namespace lode::logql
