// AST: the parsed form of a LogQL query, log and metric.
//
// A query is an `Expr`: a log query (stream selector and pipeline), or a
// metric expression (range and vector aggregations, binary operators,
// literals, vector(), label_replace()) whose leaves are log ranges.
//
// Nodes are plain values, compared structurally (the printer's round-trip
// promise). Children are held by shared_ptr<const Expr>: immutable once
// built, so a parsed query may be shared between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "model/matcher.h"

namespace lode::logql {

// Matchers compare by type, name and value (their compiled regex is derived).
inline bool SameMatcher(const Matcher& a, const Matcher& b) {
  return a.type() == b.type() && a.name() == b.name() && a.value() == b.value();
}
inline bool SameMatchers(const std::vector<Matcher>& a, const std::vector<Matcher>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!SameMatcher(a[i], b[i])) return false;
  }
  return true;
}

// ---- Log pipeline stages ------------------------------------------------

// `|= "a"`, `!= "a"`, `|~ "re"`, `!~ "re"`, `|> "<_> x <_>"`, `!> "..."`.
// With more than one value (`|= "a" or "b"`) a positive filter keeps a
// line matching any value and a negative one keeps a line matching none.
// With `ip`, the values are `ip("...")` arguments (an address, a range
// `a-b` or a CIDR) and the line must (or must not) contain a matching
// address. Regex values were checked to compile with RE2 (unanchored, as
// Loki searches within the line); pattern values hold only `<_>`
// placeholders.
struct LineFilter {
  enum class Op { kContains, kNotContains, kRegexMatch, kRegexNoMatch, kPattern, kNotPattern };
  Op op = Op::kContains;
  std::vector<std::string> values;  // never empty; >1 when chained with `or`
  // Parallel to values: whether the operand is ip("..."), which only
  // kContains / kNotContains take; an `or` chain may mix both kinds.
  std::vector<bool> ip = {};

  bool operator==(const LineFilter&) const = default;
  bool HasIp() const {
    for (bool b : ip) {
      if (b) return true;
    }
    return false;
  }
  bool IsIp(size_t i) const { return i < ip.size() && ip[i]; }
};

// A filter on the line's text: |= != |~ !~, without ip() operands and
// not a pattern.
inline bool IsTextLineFilter(const LineFilter& f) {
  return !f.HasIp() && f.op != LineFilter::Op::kPattern && f.op != LineFilter::Op::kNotPattern;
}

// "|=", "!=", "|~", "!~", "|>", "!>".
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
    case LineFilter::Op::kPattern:
      return "|>";
    case LineFilter::Op::kNotPattern:
      return "!>";
  }
  return "?";
}

// `label="json.path"` in `| json ...` or `| logfmt ...`; `expression`
// empty for a bare `label` (json: the top-level field of that name;
// logfmt: the key of that name).
struct LabelExtraction {
  std::string label;
  std::string expression;
  bool bare = false;  // written without `="..."`

  bool operator==(const LabelExtraction&) const = default;
};

// `| json`, `| logfmt [--strict] [--keep-empty]`, `| regexp "re"`,
// `| pattern "<a> <_>"`, `| unpack`.
struct LabelParser {
  enum class Kind { kJson, kLogfmt, kRegexp, kPattern, kUnpack };
  Kind kind = Kind::kJson;
  std::string param;  // regexp: the regex (with named groups); pattern: the pattern
  std::vector<LabelExtraction> extractions;  // json and logfmt only
  bool strict = false;                       // logfmt --strict
  bool keep_empty = false;                   // logfmt --keep-empty

  bool operator==(const LabelParser&) const = default;
};

// Comparison of a label filter on numbers, durations and byte sizes.
enum class CompareOp { kEq, kNeq, kGt, kGte, kLt, kLte };
// "==", "!=", ">", ">=", "<", "<=" (`=` parses as kEq too).
const char* CompareOperator(CompareOp op);

// A label filter: a tree of `and` / `or` over leaves that test one label.
// `,` and `and` are the same; `and` binds tighter than `or`.
struct LabelFilterExpr {
  enum class Kind {
    kAnd,
    kOr,
    kString,    // name = != =~ !~ "text": matcher
    kNumber,    // name op 1.5: number
    kDuration,  // name op 1h15m: integer (nanoseconds)
    kBytes,     // name op 10KiB: integer (bytes)
    kIp,        // name = ip("cidr") or != ip(...): text, negated by op kNeq
  };
  Kind kind = Kind::kString;
  std::vector<LabelFilterExpr> children;  // kAnd / kOr: exactly two
  std::string name;
  std::optional<Matcher> matcher;  // kString
  CompareOp op = CompareOp::kEq;
  double number = 0;    // kNumber
  int64_t integer = 0;  // kDuration (ns), kBytes
  std::string text;     // kIp: the ip() argument
  std::string literal;  // kNumber, kDuration, kBytes: as written, for printing

  friend bool operator==(const LabelFilterExpr& a, const LabelFilterExpr& b) {
    if (a.kind != b.kind || a.children != b.children || a.name != b.name || a.op != b.op ||
        a.number != b.number || a.integer != b.integer || a.text != b.text ||
        a.literal != b.literal || a.matcher.has_value() != b.matcher.has_value()) {
      return false;
    }
    return !a.matcher || SameMatcher(*a.matcher, *b.matcher);
  }
};

// `| line_format "{{.msg}}"`.
struct LineFormat {
  std::string tmpl;
  bool operator==(const LineFormat&) const = default;
};

// `| label_format dst=src, dst2="{{.a}}-{{.b}}"`: a rename or a template.
struct LabelFormat {
  struct Item {
    std::string dst;
    std::string value;  // the source label, or the template
    bool is_template = false;
    bool operator==(const Item&) const = default;
  };
  std::vector<Item> items;
  bool operator==(const LabelFormat&) const = default;
};

// `| drop a, b="x"` / `| keep a, b=~"y"`: a bare name, or a matcher that
// drops (keeps) the label only when its value matches.
struct LabelSelection {
  bool keep = false;
  struct Item {
    std::string name;
    std::optional<Matcher> matcher;
    friend bool operator==(const Item& a, const Item& b) {
      if (a.name != b.name || a.matcher.has_value() != b.matcher.has_value()) return false;
      return !a.matcher || SameMatcher(*a.matcher, *b.matcher);
    }
  };
  std::vector<Item> items;
  bool operator==(const LabelSelection&) const = default;
};

// `| decolorize`: strips ANSI colour sequences from the line.
struct Decolorize {
  bool operator==(const Decolorize&) const = default;
};

using Stage = std::variant<LineFilter, LabelParser, LabelFilterExpr, LineFormat, LabelFormat,
                           LabelSelection, Decolorize>;

// `{app="api", env=~"prod|dev"} |= "error" | json | level="error"`.
// Matchers and stages keep query order; stages apply left to right.
struct LogSelectorExpr {
  std::vector<Matcher> matchers;  // never empty after a successful parse
  std::vector<Stage> pipeline;

  // True when every stage is a plain line filter (|=, !=, |~, !~ on text).
  bool OnlyTextLineFilters() const;
  // The pipeline's line filters, in order (every stage, when
  // OnlyTextLineFilters()).
  std::vector<LineFilter> LineFilters() const;

  friend bool operator==(const LogSelectorExpr& a, const LogSelectorExpr& b) {
    return SameMatchers(a.matchers, b.matchers) && a.pipeline == b.pipeline;
  }
};

// ---- Metric expressions -------------------------------------------------

// `by (a, b)` / `without (a)`.
struct Grouping {
  bool without = false;
  std::vector<std::string> labels;
  bool operator==(const Grouping&) const = default;
};

// `| unwrap latency`, `| unwrap duration(latency)`, `| unwrap bytes(size)`,
// then label filters applied to the unwrapped samples (`| __error__=""`).
struct Unwrap {
  enum class Conversion { kNone, kBytes, kDuration, kDurationSeconds };
  Conversion conversion = Conversion::kNone;
  std::string label;
  std::vector<LabelFilterExpr> post_filters;
  bool operator==(const Unwrap&) const = default;
};

// The argument of a range aggregation: `{...} | pipeline | unwrap x [5m]
// offset 1h`.
struct LogRange {
  LogSelectorExpr selector;
  int64_t range_ns = 0;
  std::string range_literal;  // as written ("5m"), for printing
  int64_t offset_ns = 0;
  std::string offset_literal;  // empty without `offset`
  std::optional<Unwrap> unwrap;
  bool operator==(const LogRange&) const = default;
};

enum class RangeOp {
  kCountOverTime,
  kRate,
  kRateCounter,
  kBytesOverTime,
  kBytesRate,
  kAvgOverTime,
  kSumOverTime,
  kMinOverTime,
  kMaxOverTime,
  kStddevOverTime,
  kStdvarOverTime,
  kQuantileOverTime,
  kFirstOverTime,
  kLastOverTime,
  kAbsentOverTime,
};
const char* RangeOpName(RangeOp op);

// `count_over_time({...}[5m])`, `quantile_over_time(0.99, {...} | unwrap x
// [5m]) by (host)`.
struct RangeAggregation {
  RangeOp op = RangeOp::kCountOverTime;
  LogRange range;
  std::optional<double> param;  // quantile_over_time's quantile
  std::optional<Grouping> grouping;
  bool operator==(const RangeAggregation&) const = default;
};

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;
// Deep comparison of two (non-null) children.
bool SameExpr(const ExprPtr& a, const ExprPtr& b);

enum class VectorOp {
  kSum,
  kAvg,
  kMin,
  kMax,
  kCount,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kSort,
  kSortDesc,
  // topk through a count-min sketch in Loki: instant queries only, no
  // grouping. lode answers it exactly, as topk.
  kApproxTopk
};
const char* VectorOpName(VectorOp op);
// topk, bottomk and approx_topk: the ones with a k parameter.
inline bool TakesK(VectorOp op) {
  return op == VectorOp::kTopk || op == VectorOp::kBottomk || op == VectorOp::kApproxTopk;
}

// `sum by (a) (expr)`, `topk(5, expr)`.
struct VectorAggregation {
  VectorOp op = VectorOp::kSum;
  std::optional<Grouping> grouping;
  int64_t param = 0;  // topk / bottomk / approx_topk: k
  ExprPtr inner;
  friend bool operator==(const VectorAggregation& a, const VectorAggregation& b) {
    return a.op == b.op && a.grouping == b.grouping && a.param == b.param &&
           SameExpr(a.inner, b.inner);
  }
};

enum class BinaryOp {
  kOr,
  kAnd,
  kUnless,
  kEq,
  kNeq,
  kGt,
  kGte,
  kLt,
  kLte,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
};
const char* BinaryOpName(BinaryOp op);
// Higher binds tighter: or 1, and/unless 2, comparisons 3, + - 4,
// * / % 5, ^ 6 (right-associative).
int BinaryPrecedence(BinaryOp op);
bool IsComparison(BinaryOp op);
bool IsSetOperator(BinaryOp op);  // and, or, unless

// `on (a) group_left (b)` / `ignoring (a)`.
struct VectorMatching {
  bool on = false;  // on(...) rather than ignoring(...)
  std::vector<std::string> labels;
  enum class Group { kNone, kLeft, kRight };
  Group group = Group::kNone;
  std::vector<std::string> include;  // group_left (include...)
  bool operator==(const VectorMatching&) const = default;
};

// `lhs op [bool] [on|ignoring (...)] [group_left|group_right (...)] rhs`.
struct BinaryExpr {
  BinaryOp op = BinaryOp::kAdd;
  bool return_bool = false;
  std::optional<VectorMatching> matching;
  ExprPtr lhs, rhs;
  friend bool operator==(const BinaryExpr& a, const BinaryExpr& b) {
    return a.op == b.op && a.return_bool == b.return_bool && a.matching == b.matching &&
           SameExpr(a.lhs, b.lhs) && SameExpr(a.rhs, b.rhs);
  }
};

// A number: `1`, `-0.5`, `1e3`.
struct NumberLiteral {
  double value = 0;
  bool operator==(const NumberLiteral& o) const {
    return value == o.value || (value != value && o.value != o.value);  // NaN equals NaN
  }
};

// `vector(1)`: one sample without labels at every step.
struct VectorLiteral {
  double value = 0;
  bool operator==(const VectorLiteral&) const = default;
};

// `label_replace(expr, "dst", "replacement", "src", "regex")`.
struct LabelReplace {
  ExprPtr inner;
  std::string dst, replacement, src, regex;
  friend bool operator==(const LabelReplace& a, const LabelReplace& b) {
    return a.dst == b.dst && a.replacement == b.replacement && a.src == b.src &&
           a.regex == b.regex && SameExpr(a.inner, b.inner);
  }
};

struct Expr {
  std::variant<LogSelectorExpr, RangeAggregation, VectorAggregation, BinaryExpr, NumberLiteral,
               VectorLiteral, LabelReplace>
      node;

  // The log query, or null for a metric expression.
  const LogSelectorExpr* log() const { return std::get_if<LogSelectorExpr>(&node); }
  bool is_log() const { return log() != nullptr; }

  bool operator==(const Expr&) const = default;
};

inline bool SameExpr(const ExprPtr& a, const ExprPtr& b) {
  if (a == nullptr || b == nullptr) return a == b;
  return *a == *b;
}

}  // namespace lode::logql
