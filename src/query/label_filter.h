// Compiled label filters: `| status >= 500`, `| level="error" or
// duration > 1.5s`, `| size > 10KiB`, `| addr = ip("10.0.0.0/8")`, run
// against a record's labels in a pipeline (and after `unwrap`).
#pragma once

#include <memory>
#include <vector>

#include "base/status.h"
#include "logql/ast.h"

namespace lode {

class LabelsBuilder;

inline constexpr std::string_view kLabelFilterErr = "LabelFilterErr";

class LabelFilter {
 public:
  static Result<LabelFilter> Compile(const logql::LabelFilterExpr& expr);

  // Whether the record passes. A number, duration or byte size filter
  // drops a record without the label (whatever the operator) and keeps
  // one whose value does not parse, marking it with LabelFilterErr.
  // `and` evaluates both sides (each may mark the record); `or` stops at
  // the first that passes.
  bool Matches(LabelsBuilder& labels) const;

  struct Node;

 private:
  std::shared_ptr<const Node> root_;
};

}  // namespace lode
