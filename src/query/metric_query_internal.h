// What the metric evaluator's files share: metric_query.cc walks the
// expression (range and vector aggregations, literals) and shapes the
// result; it evaluates the operands of a binary operator and of
// label_replace(), then hands them to binary_operator.cc and
// label_replace.cc. Not for other files: the interface is metric_query.h.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/status.h"
#include "logql/ast.h"
#include "model/labels.h"
#include "query/range_aggregation.h"

namespace lode {

// A metric expression's value at every step: a scalar, or series.
struct StepValue {
  bool scalar = false;
  std::vector<double> scalar_values;  // per step, when scalar
  std::vector<StepSeries> series;
};

// `in` without the labels `names` lists; with only those.
Labels WithoutLabels(const Labels& in, const std::vector<std::string>& names);
Labels OnlyLabels(const Labels& in, const std::vector<std::string>& names);

// `lhs op rhs` at each of `steps` steps, as Loki evaluates it. Matches
// Loki refuses (duplicate series on the "one" side, many-to-one without
// group_left/group_right, grouping that gives equal labels) are
// InvalidArgument, worded as Loki words them.
Result<StepValue> ApplyBinaryOperator(const logql::BinaryExpr& b, StepValue lhs, StepValue rhs,
                                      size_t steps);

// label_replace() applied to each series of `in`, which must be a vector.
Result<StepValue> ApplyLabelReplace(const logql::LabelReplace& l, StepValue in);

}  // namespace lode
