// AST: the parsed form of a LogQL query.
//
// v0 covers log queries only: a stream selector followed by line filters.
// `Expr` names the root node so callers need not change when it becomes a
// std::variant of log and metric expressions.
//
// Nodes are plain values: copyable, comparable, and safe to share between
// threads once built (Matcher is immutable).
#pragma once

#include <string>
#include <vector>

#include "model/matcher.h"

namespace lode::logql {

// `|= "a"`, `!= "a"`, `|~ "re"`, `!~ "re"`. With more than one value
// (`|= "a" or "b"`) a positive filter keeps a line matching any value and a
// negative one keeps a line matching none. Regex values were checked to
// compile with RE2 (unanchored, as Loki searches within the line).
struct LineFilter {
  enum class Op { kContains, kNotContains, kRegexMatch, kRegexNoMatch };
  Op op = Op::kContains;
  std::vector<std::string> values;  // never empty; >1 when chained with `or`

  bool operator==(const LineFilter&) const = default;
};

// "|=", "!=", "|~", "!~".
inline const char* LineFilterOperator(LineFilter::Op op) {
  switch (op) {
    case LineFilter::Op::kContains:
      return "|=";
    case LineFilter::Op::kNotContains:
      return "!=";
    case LineFilter::Op::kRegexMatch:
      return "|~";
    case LineFilter::Op::kRegexNoMatch:
      return "!~";
  }
  return "?";
}

// `{app="api", env=~"prod|dev"} |= "error" != "timeout"`. Matchers and
// filters keep query order; filters apply left to right.
struct LogSelectorExpr {
  std::vector<Matcher> matchers;  // never empty after a successful parse
  std::vector<LineFilter> filters;
};

using Expr = LogSelectorExpr;

// Matchers compare by type, name and value (their compiled regex is derived).
inline bool SameMatcher(const Matcher& a, const Matcher& b) {
  return a.type() == b.type() && a.name() == b.name() && a.value() == b.value();
}

// Structural equality, as the printer round-trip promises.
inline bool operator==(const LogSelectorExpr& a, const LogSelectorExpr& b) {
  if (a.matchers.size() != b.matchers.size() || a.filters != b.filters) return false;
  for (size_t i = 0; i < a.matchers.size(); ++i) {
    if (!SameMatcher(a.matchers[i], b.matchers[i])) return false;
  }
  return true;
}

}  // namespace lode::logql
