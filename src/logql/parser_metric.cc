// The metric side of LogQL's grammar: binary expressions by precedence
// climbing with bool and vector matching, unary expressions and literals,
// label_replace, range aggregations over log ranges and vector
// aggregations. Parser is declared in parser_internal.h.
#include <re2/re2.h>

#include <charconv>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "logql/parser_internal.h"
#include "model/regex_error.h"

namespace lode::logql {

namespace {

std::optional<BinaryOp> BinaryOpFor(const Token& tok) {
  switch (tok.kind) {
    case TokenKind::kAdd:
      return BinaryOp::kAdd;
    case TokenKind::kSub:
      return BinaryOp::kSub;
    case TokenKind::kMul:
      return BinaryOp::kMul;
    case TokenKind::kDiv:
      return BinaryOp::kDiv;
    case TokenKind::kMod:
      return BinaryOp::kMod;
    case TokenKind::kPow:
      return BinaryOp::kPow;
    case TokenKind::kCmpEq:
      return BinaryOp::kEq;
    case TokenKind::kNeq:
      return BinaryOp::kNeq;
    case TokenKind::kGt:
      return BinaryOp::kGt;
    case TokenKind::kGte:
      return BinaryOp::kGte;
    case TokenKind::kLt:
      return BinaryOp::kLt;
    case TokenKind::kLte:
      return BinaryOp::kLte;
    case TokenKind::kIdentifier:
      if (tok.text == "or") return BinaryOp::kOr;
      if (tok.text == "and") return BinaryOp::kAnd;
      if (tok.text == "unless") return BinaryOp::kUnless;
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

std::optional<RangeOp> RangeOpFor(std::string_view word) {
  static constexpr std::pair<std::string_view, RangeOp> kOps[] = {
      {"count_over_time", RangeOp::kCountOverTime},
      {"rate", RangeOp::kRate},
      {"rate_counter", RangeOp::kRateCounter},
      {"bytes_over_time", RangeOp::kBytesOverTime},
      {"bytes_rate", RangeOp::kBytesRate},
      {"avg_over_time", RangeOp::kAvgOverTime},
      {"sum_over_time", RangeOp::kSumOverTime},
      {"min_over_time", RangeOp::kMinOverTime},
      {"max_over_time", RangeOp::kMaxOverTime},
      {"stddev_over_time", RangeOp::kStddevOverTime},
      {"stdvar_over_time", RangeOp::kStdvarOverTime},
      {"quantile_over_time", RangeOp::kQuantileOverTime},
      {"first_over_time", RangeOp::kFirstOverTime},
      {"last_over_time", RangeOp::kLastOverTime},
      {"absent_over_time", RangeOp::kAbsentOverTime},
  };
  for (auto [name, op] : kOps) {
    if (word == name) return op;
  }
  return std::nullopt;
}

std::optional<VectorOp> VectorOpFor(std::string_view word) {
  static constexpr std::pair<std::string_view, VectorOp> kOps[] = {
      {"sum", VectorOp::kSum},         {"avg", VectorOp::kAvg},
      {"min", VectorOp::kMin},         {"max", VectorOp::kMax},
      {"count", VectorOp::kCount},     {"stddev", VectorOp::kStddev},
      {"stdvar", VectorOp::kStdvar},   {"topk", VectorOp::kTopk},
      {"bottomk", VectorOp::kBottomk}, {"approx_topk", VectorOp::kApproxTopk},
      {"sort", VectorOp::kSort},       {"sort_desc", VectorOp::kSortDesc},
  };
  for (auto [name, op] : kOps) {
    if (word == name) return op;
  }
  return std::nullopt;
}

// Range operations that need `| unwrap`, refuse it, or take either.
bool NeedsUnwrap(RangeOp op) {
  switch (op) {
    case RangeOp::kAvgOverTime:
    case RangeOp::kSumOverTime:
    case RangeOp::kMinOverTime:
    case RangeOp::kMaxOverTime:
    case RangeOp::kStddevOverTime:
    case RangeOp::kStdvarOverTime:
    case RangeOp::kQuantileOverTime:
    case RangeOp::kFirstOverTime:
    case RangeOp::kLastOverTime:
    case RangeOp::kRateCounter:
      return true;
    default:
      return false;
  }
}
bool RefusesUnwrap(RangeOp op) {
  return op == RangeOp::kCountOverTime || op == RangeOp::kBytesOverTime ||
         op == RangeOp::kBytesRate;
}
bool AllowsGrouping(RangeOp op) {
  switch (op) {
    case RangeOp::kAvgOverTime:
    case RangeOp::kMinOverTime:
    case RangeOp::kMaxOverTime:
    case RangeOp::kStddevOverTime:
    case RangeOp::kStdvarOverTime:
    case RangeOp::kQuantileOverTime:
    case RangeOp::kFirstOverTime:
    case RangeOp::kLastOverTime:
      return true;
    default:
      return false;
  }
}

ExprPtr Share(Expr expr) { return std::make_shared<const Expr>(std::move(expr)); }

}  // namespace

// ---- Binary expressions, by precedence climbing. ----

Result<Expr> Parser::ParseExpr(int min_precedence) {
  DepthGuard guard(depth_);
  if (depth_ > kMaxDepth) return ParseErrorAt(Peek().pos, "the query nests too deeply");
  const Token& first = Peek();
  LODE_ASSIGN_OR_RETURN(Expr lhs, ParseUnary());
  while (true) {
    std::optional<BinaryOp> op = BinaryOpFor(Peek());
    if (!op || BinaryPrecedence(*op) < min_precedence) break;
    if (lhs.is_log()) {
      return ParseErrorAt(Peek().pos, std::string("syntax error: unexpected ") +
                                          std::string(Peek().text) + ", expecting " +
                                          kAfterLogQuery +
                                          " (a log query cannot be an operand; wrap it in a "
                                          "range aggregation such as count_over_time)");
    }
    const Token& op_tok = Consume();
    BinaryExpr bin;
    bin.op = *op;
    if (IsKeyword(Peek(), "bool")) {
      if (!IsComparison(*op)) {
        return ParseErrorAt(Peek().pos, "bool modifier can only be used on comparison operators");
      }
      Consume();
      bin.return_bool = true;
    }
    LODE_ASSIGN_OR_RETURN(bin.matching, ParseVectorMatching(*op));
    // ^ is right-associative: its right side may hold another ^.
    int next = *op == BinaryOp::kPow ? BinaryPrecedence(*op) : BinaryPrecedence(*op) + 1;
    const Token& rhs_tok = Peek();
    LODE_ASSIGN_OR_RETURN(Expr rhs, ParseExpr(next));
    LODE_RETURN_IF_ERROR(CheckOperand(lhs, first));
    LODE_RETURN_IF_ERROR(CheckOperand(rhs, rhs_tok));
    // Unlike PromQL, LogQL folds `1 > 2` to 0 without `bool`.
    if (IsSetOperator(*op)) {
      // Loki's words for a number beside and/or/unless.
      for (const auto& [side, leg] : {std::pair{&lhs, "left"}, std::pair{&rhs, "right"}}) {
        if (const auto* n = std::get_if<NumberLiteral>(&side->node)) {
          char value[64];
          std::snprintf(value, sizeof(value), "%f", n->value);
          return ParseErrorAt(op_tok.pos, std::string("unexpected literal for ") + leg +
                                              " leg of logical/set binary operation (" +
                                              BinaryOpName(*op) + "): " + value);
        }
      }
    }
    if (IsSetOperator(*op) && (IsScalar(lhs) || IsScalar(rhs))) {
      return ParseErrorAt(op_tok.pos, std::string("set operator \"") + BinaryOpName(*op) +
                                          "\" not allowed between scalars: both sides must "
                                          "be vectors");
    }
    if (bin.matching && (IsScalar(lhs) || IsScalar(rhs))) {
      return ParseErrorAt(op_tok.pos, "vector matching only allowed between vectors");
    }
    bin.lhs = Share(std::move(lhs));
    bin.rhs = Share(std::move(rhs));
    lhs = Expr{std::move(bin)};
  }
  return lhs;
}

// A log query is a whole query: never an operand.
Status Parser::CheckOperand(const Expr& e, const Token& at) {
  if (e.is_log()) {
    return ParseErrorAt(at.pos,
                        "a log query cannot be an operand of a binary operation; "
                        "wrap it in a range aggregation such as count_over_time");
  }
  return Status::Ok();
}

bool Parser::IsScalar(const Expr& e) {
  if (std::holds_alternative<NumberLiteral>(e.node)) return true;
  if (const auto* b = std::get_if<BinaryExpr>(&e.node)) {
    return IsScalar(*b->lhs) && IsScalar(*b->rhs);
  }
  return false;
}

Result<std::optional<VectorMatching>> Parser::ParseVectorMatching(BinaryOp op) {
  std::optional<VectorMatching> m;
  if (IsKeyword(Peek(), "on") || IsKeyword(Peek(), "ignoring")) {
    m.emplace();
    m->on = Consume().text == "on";
    LODE_ASSIGN_OR_RETURN(m->labels, ParseLabelList());
  }
  if (IsKeyword(Peek(), "group_left") || IsKeyword(Peek(), "group_right")) {
    const Token& tok = Consume();
    if (!m) {
      return ParseErrorAt(
          tok.pos, std::string(tok.text) + " is only allowed after on(...) or ignoring(...)");
    }
    if (IsSetOperator(op)) {
      return ParseErrorAt(
          tok.pos, std::string("no grouping allowed for \"") + BinaryOpName(op) + "\" operation");
    }
    m->group =
        tok.text == "group_left" ? VectorMatching::Group::kLeft : VectorMatching::Group::kRight;
    if (Peek().kind == TokenKind::kOpenParen) {
      LODE_ASSIGN_OR_RETURN(m->include, ParseLabelList());
    }
  }
  return m;
}

// "(" [IDENT {"," IDENT}] ")"
Result<std::vector<std::string>> Parser::ParseLabelList() {
  LODE_RETURN_IF_ERROR(Expect(TokenKind::kOpenParen));
  std::vector<std::string> labels;
  if (Peek().kind == TokenKind::kCloseParen) {
    Consume();
    return labels;
  }
  while (true) {
    if (Peek().kind != TokenKind::kIdentifier) return Unexpected("IDENTIFIER");
    labels.emplace_back(Consume().text);
    if (Peek().kind == TokenKind::kCloseParen) break;
    if (Peek().kind != TokenKind::kComma) return Unexpected(", or )");
    Consume();
  }
  Consume();
  return labels;
}

// ---- Unary expressions. ----

Result<Expr> Parser::ParseUnary() {
  const Token& tok = Peek();
  switch (tok.kind) {
    case TokenKind::kOpenParen: {
      Consume();
      LODE_ASSIGN_OR_RETURN(Expr inner, ParseExpr(0));
      if (inner.is_log() && Peek().kind == TokenKind::kOpenBracket) {
        return ParseErrorAt(Peek().pos, "a range belongs inside a range aggregation");
      }
      LODE_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
      return inner;
    }
    case TokenKind::kAdd:
    case TokenKind::kSub:
    case TokenKind::kNumber: {
      LODE_ASSIGN_OR_RETURN(double v, ParseSignedNumber());
      return Expr{NumberLiteral{v}};
    }
    case TokenKind::kOpenBrace: {
      LODE_ASSIGN_OR_RETURN(LogSelectorExpr log, ParseLogQuery());
      if (Peek().kind == TokenKind::kOpenBracket) {
        return ParseErrorAt(Peek().pos,
                            "syntax error: unexpected RANGE (a range is only allowed inside a "
                            "range aggregation such as count_over_time(...))");
      }
      return Expr{std::move(log)};
    }
    case TokenKind::kIdentifier:
      break;
    default:
      return Unexpected("an expression");
  }
  if (std::optional<RangeOp> op = RangeOpFor(tok.text);
      op && tokens_[pos_ + 1].kind == TokenKind::kOpenParen) {
    return ParseRangeAggregation(*op);
  }
  if (std::optional<VectorOp> op = VectorOpFor(tok.text);
      op && (tokens_[pos_ + 1].kind == TokenKind::kOpenParen ||
             IsKeyword(tokens_[pos_ + 1], "by") || IsKeyword(tokens_[pos_ + 1], "without"))) {
    return ParseVectorAggregation(*op);
  }
  if (tok.text == "vector" && tokens_[pos_ + 1].kind == TokenKind::kOpenParen) {
    Consume();
    Consume();
    // An unsigned number, as Loki's grammar has it: vector(-1) is refused.
    if (Peek().kind != TokenKind::kNumber) return Unexpected("NUMBER");
    LODE_ASSIGN_OR_RETURN(double v, NumberValue(Consume()));
    LODE_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
    return Expr{VectorLiteral{v}};
  }
  if (tok.text == "label_replace" && tokens_[pos_ + 1].kind == TokenKind::kOpenParen) {
    return ParseLabelReplace();
  }
  return Unexpected("an expression");
}

Result<double> Parser::ParseSignedNumber() {
  bool negative = false;
  if (Peek().kind == TokenKind::kSub || Peek().kind == TokenKind::kAdd) {
    negative = Consume().kind == TokenKind::kSub;
  }
  if (Peek().kind != TokenKind::kNumber) return Unexpected("NUMBER");
  LODE_ASSIGN_OR_RETURN(double v, NumberValue(Consume()));
  return negative ? -v : v;
}

Result<Expr> Parser::ParseLabelReplace() {
  Consume();  // label_replace
  Consume();  // (
  const Token& inner_tok = Peek();
  LODE_ASSIGN_OR_RETURN(Expr inner, ParseExpr(0));
  if (inner.is_log()) {
    return ParseErrorAt(inner_tok.pos, "label_replace needs a metric expression, not a log query");
  }
  LabelReplace lr;
  lr.inner = Share(std::move(inner));
  std::string* fields[] = {&lr.dst, &lr.replacement, &lr.src, &lr.regex};
  for (std::string* field : fields) {
    LODE_RETURN_IF_ERROR(Expect(TokenKind::kComma));
    if (Peek().kind != TokenKind::kString) return Unexpected("STRING");
    const Token& s = Consume();
    if (field == &lr.regex) {
      std::unique_ptr<RE2> re;
      if (Status bad = CompileRegex(s, re); !bad.ok()) {
        return ParseErrorAt(s.pos, "invalid regex in label_replace: " + DescribeRegexError(*re));
      }
    }
    if (field == &lr.dst && !IsValidLabelName(s.value)) {
      return ParseErrorAt(s.pos, "invalid destination label name in label_replace(): " + s.value);
    }
    *field = s.value;
  }
  LODE_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
  return Expr{std::move(lr)};
}

// ---- Aggregations. ----

Result<Expr> Parser::ParseRangeAggregation(RangeOp op) {
  const Token& name = Consume();
  Consume();  // (
  RangeAggregation agg;
  agg.op = op;
  if (op == RangeOp::kQuantileOverTime) {
    // An unsigned number, as Loki's grammar has it: a sign is a syntax
    // error, so no quantile is below 0.
    if (Peek().kind == TokenKind::kOpenBrace || Peek().kind == TokenKind::kOpenParen) {
      return ParseErrorAt(name.pos, "parameter required for operation quantile_over_time");
    }
    if (Peek().kind != TokenKind::kNumber) {
      return Unexpected("NUMBER or { or (");
    }
    LODE_ASSIGN_OR_RETURN(double q, NumberValue(Consume()));
    agg.param = q;
    LODE_RETURN_IF_ERROR(Expect(TokenKind::kComma));
  } else if (Peek().kind == TokenKind::kNumber && tokens_[pos_ + 1].kind == TokenKind::kComma) {
    // Loki's grammar reads a parameter for any range aggregation, then
    // refuses it for all but quantile_over_time.
    return ParseErrorAt(name.pos, "parameter " + std::string(Peek().text) +
                                      " not supported for operation " + RangeOpName(op));
  }
  LODE_ASSIGN_OR_RETURN(agg.range, ParseLogRange());
  LODE_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
  if (IsKeyword(Peek(), "by") || IsKeyword(Peek(), "without")) {
    const Token& g = Peek();
    LODE_ASSIGN_OR_RETURN(agg.grouping, ParseGrouping());
    if (!AllowsGrouping(op)) {
      return ParseErrorAt(
          g.pos, std::string("grouping not allowed for ") + RangeOpName(op) + " aggregation");
    }
  }
  if (NeedsUnwrap(op) && !agg.range.unwrap) {
    return ParseErrorAt(name.pos,
                        std::string("invalid aggregation ") + RangeOpName(op) + " without unwrap");
  }
  if (RefusesUnwrap(op) && agg.range.unwrap) {
    return ParseErrorAt(name.pos,
                        std::string("invalid aggregation ") + RangeOpName(op) + " with unwrap");
  }
  return Expr{std::move(agg)};
}

Result<LogRange> Parser::ParseLogRange() {
  LogRange range;
  // `({...} | json)[5m]`: a parenthesised log query.
  bool parenthesised = false;
  if (Peek().kind == TokenKind::kOpenParen) {
    Consume();
    parenthesised = true;
  }
  if (Peek().kind != TokenKind::kOpenBrace) return Unexpected("{");
  LODE_ASSIGN_OR_RETURN(range.selector.matchers, ParseSelector());
  LODE_RETURN_IF_ERROR(ParsePipeline(range.selector, &range.unwrap));
  if (parenthesised) LODE_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
  if (Peek().kind != TokenKind::kOpenBracket) return Unexpected("RANGE (such as [5m])");
  Consume();
  if (Peek().kind != TokenKind::kDuration) return Unexpected("DURATION");
  const Token& d = Consume();
  LODE_ASSIGN_OR_RETURN(range.range_ns, DurationValue(d));
  if (range.range_ns <= 0) return ParseErrorAt(d.pos, "the range must be positive");
  range.range_literal = std::string(d.text);
  LODE_RETURN_IF_ERROR(Expect(TokenKind::kCloseBracket));
  if (IsKeyword(Peek(), "offset")) {
    Consume();
    if (Peek().kind != TokenKind::kDuration) return Unexpected("DURATION");
    const Token& o = Consume();
    LODE_ASSIGN_OR_RETURN(range.offset_ns, DurationValue(o));
    range.offset_literal = std::string(o.text);
  }
  // The older form puts the pipeline after the range.
  if (!range.unwrap && range.selector.pipeline.empty()) {
    LODE_RETURN_IF_ERROR(ParsePipeline(range.selector, &range.unwrap));
  }
  return range;
}

Result<Grouping> Parser::ParseGrouping() {
  Grouping g;
  g.without = Consume().text == "without";
  LODE_ASSIGN_OR_RETURN(g.labels, ParseLabelList());
  return g;
}

Result<Expr> Parser::ParseVectorAggregation(VectorOp op) {
  const Token& name = Consume();
  VectorAggregation agg;
  agg.op = op;
  if (IsKeyword(Peek(), "by") || IsKeyword(Peek(), "without")) {
    LODE_ASSIGN_OR_RETURN(agg.grouping, ParseGrouping());
  }
  LODE_RETURN_IF_ERROR(Expect(TokenKind::kOpenParen));
  if (TakesK(op)) {
    if (Peek().kind == TokenKind::kIdentifier && tokens_[pos_ + 1].kind == TokenKind::kComma &&
        !IsLokiKeyword(Peek().text)) {
      return ParseErrorAt(Peek().pos, "syntax error: unexpected IDENTIFIER");
    }
    if (Peek().kind != TokenKind::kNumber) {
      return ParseErrorAt(Peek().pos,
                          std::string("parameter required for operation ") + VectorOpName(op));
    }
    const Token& k = Consume();
    // Worded as Loki words them: `invalid parameter topk(1.5,`.
    const std::string call = std::string(VectorOpName(op)) + "(" + std::string(k.text) + ",";
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(k.text.data(), k.text.data() + k.text.size(), value);
    if (ec != std::errc() || ptr != k.text.data() + k.text.size()) {
      return ParseErrorAt(k.pos, "invalid parameter " + call);
    }
    if (value <= 0) {
      return ParseErrorAt(k.pos, "invalid parameter (must be greater than 0) " + call);
    }
    agg.param = value;
    LODE_RETURN_IF_ERROR(Expect(TokenKind::kComma));
  } else if (Peek().kind == TokenKind::kNumber && tokens_[pos_ + 1].kind == TokenKind::kComma) {
    return ParseErrorAt(Peek().pos, std::string("unsupported parameter for operation ") +
                                        VectorOpName(op) + "(" + std::string(Peek().text) + ",");
  }
  const Token& inner_tok = Peek();
  LODE_ASSIGN_OR_RETURN(Expr inner, ParseExpr(0));
  if (inner.is_log()) {
    return ParseErrorAt(inner_tok.pos, std::string(VectorOpName(op)) +
                                           " needs a metric expression such as "
                                           "count_over_time(...), not a log query");
  }
  LODE_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
  if (IsKeyword(Peek(), "by") || IsKeyword(Peek(), "without")) {
    if (agg.grouping) return Unexpected("an operator or end of input");
    LODE_ASSIGN_OR_RETURN(agg.grouping, ParseGrouping());
  }
  if (op == VectorOp::kApproxTopk && agg.grouping) {
    // Loki's text, which names no place.
    return ParseError("grouping not allowed for approx_topk aggregation");
  }
  if ((op == VectorOp::kSort || op == VectorOp::kSortDesc) && agg.grouping) {
    return ParseErrorAt(
        name.pos, std::string("grouping not allowed for ") + VectorOpName(op) + " aggregation");
  }
  agg.inner = Share(std::move(inner));
  return Expr{std::move(agg)};
}

}  // namespace lode::logql
