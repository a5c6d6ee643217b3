#include "logql/parser.h"

#include <re2/re2.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/time.h"
#include "logql/ip_range.h"
#include "logql/lexer.h"
#include "logql/pattern.h"
#include "model/regex_error.h"

namespace lode::logql {

namespace {

constexpr std::string_view kEmptyCompatibleError =
    "queries require at least one regexp or equality matcher that does not have an "
    "empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but "
    "app=~\".+\" will";

std::optional<MatchType> MatchTypeFor(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEq:
      return MatchType::kEqual;
    case TokenKind::kNeq:
      return MatchType::kNotEqual;
    case TokenKind::kRe:
      return MatchType::kRegexMatch;
    case TokenKind::kNre:
      return MatchType::kRegexNoMatch;
    default:
      return std::nullopt;
  }
}

std::optional<LineFilter::Op> LineFilterOpFor(TokenKind kind) {
  switch (kind) {
    case TokenKind::kPipeExact:
      return LineFilter::Op::kContains;
    case TokenKind::kNeq:
      return LineFilter::Op::kNotContains;
    case TokenKind::kPipeMatch:
      return LineFilter::Op::kRegexMatch;
    case TokenKind::kNre:
      return LineFilter::Op::kRegexNoMatch;
    case TokenKind::kPipePattern:
      return LineFilter::Op::kPattern;
    case TokenKind::kNotPattern:
      return LineFilter::Op::kNotPattern;
    default:
      return std::nullopt;
  }
}

std::optional<CompareOp> CompareOpFor(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEq:
    case TokenKind::kCmpEq:
      return CompareOp::kEq;
    case TokenKind::kNeq:
      return CompareOp::kNeq;
    case TokenKind::kGt:
      return CompareOp::kGt;
    case TokenKind::kGte:
      return CompareOp::kGte;
    case TokenKind::kLt:
      return CompareOp::kLt;
    case TokenKind::kLte:
      return CompareOp::kLte;
    default:
      return std::nullopt;
  }
}

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

// Compiles a regex token's value with RE2 (errors unlogged); the regex's
// error, if any, as a parse error at the token.
Status CompileRegex(const Token& tok, std::unique_ptr<RE2>& out) {
  RE2::Options options;
  options.set_log_errors(false);
  out = std::make_unique<RE2>(tok.value, options);
  if (out->ok()) return Status::Ok();
  return ParseErrorAt(tok.pos, DescribeRegexError(*out));
}

Status CheckRegex(const Token& tok) {
  std::unique_ptr<RE2> re;
  return CompileRegex(tok, re);
}

// `10KiB`, `5MB`, `1.5GB` (SI units powers of 1000, IEC of 1024).
std::optional<int64_t> ParseBytes(std::string_view text) {
  size_t n = 0;
  while (n < text.size() && ((text[n] >= '0' && text[n] <= '9') || text[n] == '.')) ++n;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + n, value);
  if (ec != std::errc() || ptr != text.data() + n) return std::nullopt;
  std::string unit;
  for (char c : text.substr(n)) unit.push_back(static_cast<char>(c | 0x20));
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"b", 1},
      {"kb", 1e3},
      {"kib", 1024.0},
      {"mb", 1e6},
      {"mib", 1048576.0},
      {"gb", 1e9},
      {"gib", 1073741824.0},
      {"tb", 1e12},
      {"tib", 1099511627776.0},
      {"pb", 1e15},
      {"pib", 1125899906842624.0},
      {"eb", 1e18},
      {"eib", 1152921504606846976.0},
  };
  for (auto [u, scale] : kUnits) {
    if (unit == u) {
      double bytes = value * scale;
      if (!(bytes < 9.2e18)) return std::nullopt;
      return static_cast<int64_t>(bytes);
    }
  }
  return std::nullopt;
}

std::optional<double> ParseNumber(std::string_view text) {
  double value = 0;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    // Hexadecimal floats need their binary exponent, as Go's ParseFloat
    // (which Loki uses) wants it: 0x1p3 is 8, 0x10 is no float.
    text.remove_prefix(2);
    if (text.find_first_of("pP") == std::string_view::npos) return std::nullopt;
    auto [ptr, ec] =
        std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::hex);
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    return value;
  }
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

constexpr const char* kAfterLogQuery = "a line filter (|= != |~ !~ |> !>), | or $end";

ExprPtr Share(Expr expr) { return std::make_shared<const Expr>(std::move(expr)); }

// Holds the token stream and the position in it. One instance parses one
// query; each Parse* method consumes exactly the tokens of its production.
class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<Expr> ParseQuery() {
    LODE_ASSIGN_OR_RETURN(Expr expr, ParseExpr(0));
    if (Peek().kind != TokenKind::kEnd) {
      if (expr.is_log()) return Unexpected(kAfterLogQuery);
      return Unexpected("an operator or end of input");
    }
    LODE_RETURN_IF_ERROR(deferred_);
    return expr;
  }

 private:
  // ---- Binary expressions, by precedence climbing. ----

  Result<Expr> ParseExpr(int min_precedence) {
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
  static Status CheckOperand(const Expr& e, const Token& at) {
    if (e.is_log()) {
      return ParseErrorAt(at.pos,
                          "a log query cannot be an operand of a binary operation; "
                          "wrap it in a range aggregation such as count_over_time");
    }
    return Status::Ok();
  }

  static bool IsScalar(const Expr& e) {
    if (std::holds_alternative<NumberLiteral>(e.node)) return true;
    if (const auto* b = std::get_if<BinaryExpr>(&e.node)) {
      return IsScalar(*b->lhs) && IsScalar(*b->rhs);
    }
    return false;
  }

  Result<std::optional<VectorMatching>> ParseVectorMatching(BinaryOp op) {
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
  Result<std::vector<std::string>> ParseLabelList() {
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

  Result<Expr> ParseUnary() {
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

  Result<double> NumberValue(const Token& tok) {
    std::optional<double> v = ParseNumber(tok.text);
    if (!v) {
      return ParseErrorAt(tok.pos, "unable to parse literal as a float: " + std::string(tok.text));
    }
    return *v;
  }

  Result<double> ParseSignedNumber() {
    bool negative = false;
    if (Peek().kind == TokenKind::kSub || Peek().kind == TokenKind::kAdd) {
      negative = Consume().kind == TokenKind::kSub;
    }
    if (Peek().kind != TokenKind::kNumber) return Unexpected("NUMBER");
    LODE_ASSIGN_OR_RETURN(double v, NumberValue(Consume()));
    return negative ? -v : v;
  }

  Result<Expr> ParseLabelReplace() {
    Consume();  // label_replace
    Consume();  // (
    const Token& inner_tok = Peek();
    LODE_ASSIGN_OR_RETURN(Expr inner, ParseExpr(0));
    if (inner.is_log()) {
      return ParseErrorAt(inner_tok.pos,
                          "label_replace needs a metric expression, not a log query");
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

  Result<Expr> ParseRangeAggregation(RangeOp op) {
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
      return ParseErrorAt(
          name.pos, std::string("invalid aggregation ") + RangeOpName(op) + " without unwrap");
    }
    if (RefusesUnwrap(op) && agg.range.unwrap) {
      return ParseErrorAt(name.pos,
                          std::string("invalid aggregation ") + RangeOpName(op) + " with unwrap");
    }
    return Expr{std::move(agg)};
  }

  Result<LogRange> ParseLogRange() {
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

  Result<int64_t> DurationValue(const Token& tok) {
    auto d = ParseDuration(tok.text);
    if (!d.ok()) return ParseErrorAt(tok.pos, d.status().message());
    return *d;
  }

  Result<Grouping> ParseGrouping() {
    Grouping g;
    g.without = Consume().text == "without";
    LODE_ASSIGN_OR_RETURN(g.labels, ParseLabelList());
    return g;
  }

  Result<Expr> ParseVectorAggregation(VectorOp op) {
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

  // ---- Log queries. ----

  Result<LogSelectorExpr> ParseLogQuery() {
    LogSelectorExpr expr;
    LODE_ASSIGN_OR_RETURN(expr.matchers, ParseSelector());
    LODE_RETURN_IF_ERROR(ParsePipeline(expr, nullptr));
    return expr;
  }

  // Stages until something that is not one. With `unwrap` (inside a range
  // aggregation), `| unwrap ...` and the label filters after it end the
  // pipeline.
  Status ParsePipeline(LogSelectorExpr& expr, std::optional<Unwrap>* unwrap) {
    while (true) {
      const Token& tok = Peek();
      if (LineFilterOpFor(tok.kind)) {
        LODE_ASSIGN_OR_RETURN(LineFilter filter, ParseLineFilter());
        expr.pipeline.emplace_back(std::move(filter));
        continue;
      }
      if (tok.kind != TokenKind::kPipe) return Status::Ok();
      if (IsKeyword(tokens_[pos_ + 1], "unwrap")) {
        if (unwrap == nullptr) {
          return ParseErrorAt(tokens_[pos_ + 1].pos,
                              "unwrap is only allowed inside a range aggregation");
        }
        LODE_ASSIGN_OR_RETURN(*unwrap, ParseUnwrap());
        return Status::Ok();
      }
      Consume();  // |
      LODE_ASSIGN_OR_RETURN(Stage stage, ParseStage());
      expr.pipeline.push_back(std::move(stage));
    }
  }

  Result<Unwrap> ParseUnwrap() {
    Consume();  // |
    Consume();  // unwrap
    Unwrap u;
    if (Peek().kind != TokenKind::kIdentifier) return Unexpected("IDENTIFIER");
    const Token& name = Consume();
    if (Peek().kind == TokenKind::kOpenParen) {
      if (name.text == "bytes") {
        u.conversion = Unwrap::Conversion::kBytes;
      } else if (name.text == "duration") {
        u.conversion = Unwrap::Conversion::kDuration;
      } else if (name.text == "duration_seconds") {
        u.conversion = Unwrap::Conversion::kDurationSeconds;
      } else {
        return ParseErrorAt(name.pos, "unknown unwrap conversion " + std::string(name.text) +
                                          ": expected bytes, duration or duration_seconds");
      }
      Consume();
      if (Peek().kind != TokenKind::kIdentifier) return Unexpected("IDENTIFIER");
      u.label = std::string(Consume().text);
      LODE_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
    } else {
      u.label = std::string(name.text);
    }
    while (Peek().kind == TokenKind::kPipe) {
      Consume();
      LODE_ASSIGN_OR_RETURN(LabelFilterExpr f, ParseLabelFilterOr());
      u.post_filters.push_back(std::move(f));
    }
    return u;
  }

  Result<std::vector<Matcher>> ParseSelector() {
    LODE_RETURN_IF_ERROR(Expect(TokenKind::kOpenBrace));
    std::vector<Matcher> matchers;
    while (true) {
      LODE_ASSIGN_OR_RETURN(Matcher m, ParseMatcher());
      matchers.push_back(std::move(m));
      if (Peek().kind == TokenKind::kCloseBrace) break;
      if (Peek().kind != TokenKind::kComma) return Unexpected(", or }");
      Consume();
    }
    Consume();  // the closing brace
    bool selective = false;
    for (const Matcher& m : matchers) selective = selective || !m.Matches("");
    // Reported once the whole query has parsed: a syntax error comes first.
    if (!selective && deferred_.ok()) deferred_ = ParseError(kEmptyCompatibleError);
    return matchers;
  }

  Result<Matcher> ParseMatcher() {
    if (Peek().kind != TokenKind::kIdentifier) return Unexpected("IDENTIFIER");
    const Token& name = Consume();
    if (!IsValidLabelName(name.text)) {  // the lexer should make this unreachable
      return ParseErrorAt(name.pos, "invalid label name " + std::string(name.text));
    }
    std::optional<MatchType> type = MatchTypeFor(Peek().kind);
    if (!type) return Unexpected("= or != or =~ or !~");
    Consume();
    if (Peek().kind != TokenKind::kString) return Unexpected("STRING");
    const Token& value = Consume();
    Result<Matcher> m = Matcher::Create(*type, std::string(name.text), value.value);
    if (!m.ok()) return ParseErrorAt(value.pos, m.status().message());
    return m;
  }

  Result<LineFilter> ParseLineFilter() {
    LineFilter filter;
    filter.op = *LineFilterOpFor(Consume().kind);
    const bool is_regex =
        filter.op == LineFilter::Op::kRegexMatch || filter.op == LineFilter::Op::kRegexNoMatch;
    const bool is_pattern =
        filter.op == LineFilter::Op::kPattern || filter.op == LineFilter::Op::kNotPattern;
    while (true) {
      if (IsKeyword(Peek(), "ip") && tokens_[pos_ + 1].kind == TokenKind::kOpenParen) {
        const Token& ip = Consume();
        if (filter.op != LineFilter::Op::kContains && filter.op != LineFilter::Op::kNotContains) {
          return ParseErrorAt(ip.pos, "ip: invalid operation: ip() is only allowed with |= and !=");
        }
        Consume();  // (
        if (Peek().kind != TokenKind::kString) return Unexpected("STRING");
        const Token& value = Consume();
        LODE_RETURN_IF_ERROR(CheckIpArgument(value));
        filter.values.push_back(value.value);
        filter.ip.resize(filter.values.size(), false);
        filter.ip.back() = true;
        LODE_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
      } else {
        if (Peek().kind != TokenKind::kString) return Unexpected("STRING");
        const Token& value = Consume();
        if (is_regex) LODE_RETURN_IF_ERROR(CheckRegex(value));
        if (is_pattern) {
          Status s = CheckPattern(value.value, PatternUse::kLineFilter);
          if (!s.ok()) return ParseErrorAt(value.pos, s.message());
        }
        filter.values.push_back(value.value);
        if (!filter.ip.empty()) filter.ip.push_back(false);
      }
      if (!IsKeyword(Peek(), "or")) break;
      Consume();
    }
    return filter;
  }

  Status CheckIpArgument(const Token& tok) {
    if (!ParseIpRange(tok.value)) {
      return ParseErrorAt(
          tok.pos, "invalid ip(): \"" + tok.value + "\" is not an address, a range a-b or a CIDR");
    }
    return Status::Ok();
  }

  // After `|`: a parser, a formatting stage, or a label filter.
  Result<Stage> ParseStage() {
    const Token& tok = Peek();
    if (tok.kind == TokenKind::kIdentifier && !CompareOpFor(tokens_[pos_ + 1].kind) &&
        tokens_[pos_ + 1].kind != TokenKind::kRe && tokens_[pos_ + 1].kind != TokenKind::kNre) {
      std::string_view w = tok.text;
      if (w == "json" || w == "logfmt") return ParseJsonOrLogfmt();
      if (w == "regexp" || w == "pattern") {
        Consume();
        LabelParser p;
        p.kind = w == "regexp" ? LabelParser::Kind::kRegexp : LabelParser::Kind::kPattern;
        if (Peek().kind != TokenKind::kString) return Unexpected("STRING");
        const Token& value = Consume();
        if (p.kind == LabelParser::Kind::kRegexp) {
          LODE_RETURN_IF_ERROR(CheckRegexpStage(value));
        } else {
          Status s = CheckPattern(value.value, PatternUse::kParser);
          if (!s.ok()) return ParseErrorAt(value.pos, s.message());
        }
        p.param = value.value;
        return Stage{std::move(p)};
      }
      if (w == "unpack") {
        Consume();
        LabelParser p;
        p.kind = LabelParser::Kind::kUnpack;
        return Stage{std::move(p)};
      }
      if (w == "line_format") {
        Consume();
        if (Peek().kind != TokenKind::kString) return Unexpected("STRING");
        return Stage{LineFormat{Consume().value}};
      }
      if (w == "label_format") return ParseLabelFormat();
      if (w == "drop" || w == "keep") return ParseLabelSelection();
      if (w == "decolorize") {
        Consume();
        return Stage{Decolorize{}};
      }
    }
    if (tok.kind != TokenKind::kIdentifier && tok.kind != TokenKind::kOpenParen) {
      return Unexpected("a parser, a formatting stage or a label filter");
    }
    LODE_ASSIGN_OR_RETURN(LabelFilterExpr f, ParseLabelFilterOr());
    return Stage{std::move(f)};
  }

  Status CheckRegexpStage(const Token& tok) {
    std::unique_ptr<RE2> re;
    LODE_RETURN_IF_ERROR(CompileRegex(tok, re));
    const auto& groups = re->NamedCapturingGroups();
    if (groups.empty()) {
      return ParseErrorAt(tok.pos, "invalid regexp: at least one named capture must be supplied");
    }
    for (const auto& [name, index] : groups) {
      (void)index;
      if (!IsValidLabelName(name)) {
        return ParseErrorAt(tok.pos,
                            "invalid regexp: capture name " + name + " is not a valid label name");
      }
    }
    return Status::Ok();
  }

  Result<Stage> ParseJsonOrLogfmt() {
    LabelParser p;
    p.kind = Consume().text == "json" ? LabelParser::Kind::kJson : LabelParser::Kind::kLogfmt;
    // logfmt flags: `--strict`, `--keep-empty`, lexed as two minus signs
    // and a word.
    while (p.kind == LabelParser::Kind::kLogfmt && Peek().kind == TokenKind::kSub &&
           tokens_[pos_ + 1].kind == TokenKind::kSub) {
      const Token& flag_start = Peek();
      const Token& word = tokens_[pos_ + 2];
      std::string flag(word.text);
      if (word.kind == TokenKind::kIdentifier && word.text == "strict") {
        p.strict = true;
      } else if (word.kind == TokenKind::kIdentifier && word.text == "keep" &&
                 tokens_[pos_ + 3].kind == TokenKind::kSub &&
                 IsKeyword(tokens_[pos_ + 4], "empty")) {
        p.keep_empty = true;
        pos_ += 2;
      } else {
        return ParseErrorAt(flag_start.pos, "unknown logfmt flag --" + flag +
                                                ": expected --strict or --keep-empty");
      }
      pos_ += 3;
    }
    // Extractions: `label="expression"` or a bare `label`, comma separated.
    if (Peek().kind == TokenKind::kIdentifier &&
        (tokens_[pos_ + 1].kind == TokenKind::kEq || tokens_[pos_ + 1].kind == TokenKind::kComma ||
         tokens_[pos_ + 1].kind == TokenKind::kPipe || tokens_[pos_ + 1].kind == TokenKind::kEnd ||
         tokens_[pos_ + 1].kind == TokenKind::kCloseParen ||
         tokens_[pos_ + 1].kind == TokenKind::kOpenBracket ||
         LineFilterOpFor(tokens_[pos_ + 1].kind))) {
      while (true) {
        if (Peek().kind != TokenKind::kIdentifier) return Unexpected("IDENTIFIER");
        LabelExtraction e;
        e.label = std::string(Consume().text);
        if (Peek().kind == TokenKind::kEq) {
          Consume();
          if (Peek().kind != TokenKind::kString) return Unexpected("STRING");
          e.expression = Consume().value;
        } else {
          e.bare = true;
        }
        p.extractions.push_back(std::move(e));
        if (Peek().kind != TokenKind::kComma) break;
        Consume();
      }
    }
    return Stage{std::move(p)};
  }

  Result<Stage> ParseLabelFormat() {
    Consume();  // label_format
    LabelFormat f;
    std::set<std::string> seen;
    while (true) {
      if (Peek().kind != TokenKind::kIdentifier) return Unexpected("IDENTIFIER");
      const Token& dst = Consume();
      if (Peek().kind != TokenKind::kEq) return Unexpected("=");
      Consume();
      LabelFormat::Item item;
      item.dst = std::string(dst.text);
      if (Peek().kind == TokenKind::kString) {
        item.value = Consume().value;
        item.is_template = true;
      } else if (Peek().kind == TokenKind::kIdentifier) {
        item.value = std::string(Consume().text);
      } else {
        return Unexpected("IDENTIFIER or STRING");
      }
      if (!seen.insert(item.dst).second) {
        return ParseErrorAt(dst.pos, "multiple label name '" + item.dst +
                                         "' not allowed in a single format operation");
      }
      f.items.push_back(std::move(item));
      if (Peek().kind != TokenKind::kComma) break;
      Consume();
    }
    return Stage{std::move(f)};
  }

  Result<Stage> ParseLabelSelection() {
    LabelSelection s;
    s.keep = Consume().text == "keep";
    while (true) {
      if (Peek().kind != TokenKind::kIdentifier) return Unexpected("IDENTIFIER");
      LabelSelection::Item item;
      item.name = std::string(Consume().text);
      if (std::optional<MatchType> type = MatchTypeFor(Peek().kind)) {
        Consume();
        if (Peek().kind != TokenKind::kString) return Unexpected("STRING");
        const Token& value = Consume();
        Result<Matcher> m = Matcher::Create(*type, item.name, value.value);
        if (!m.ok()) return ParseErrorAt(value.pos, m.status().message());
        item.matcher = std::move(m).value();
      }
      s.items.push_back(std::move(item));
      if (Peek().kind != TokenKind::kComma) break;
      Consume();
    }
    return Stage{std::move(s)};
  }

  // ---- Label filters: or < and (also `,`) < leaf or parentheses. ----

  Result<LabelFilterExpr> ParseLabelFilterOr() {
    DepthGuard guard(depth_);
    if (depth_ > kMaxDepth) return ParseErrorAt(Peek().pos, "the query nests too deeply");
    LODE_ASSIGN_OR_RETURN(LabelFilterExpr lhs, ParseLabelFilterAnd());
    while (IsKeyword(Peek(), "or")) {
      Consume();
      LODE_ASSIGN_OR_RETURN(LabelFilterExpr rhs, ParseLabelFilterAnd());
      LabelFilterExpr node;
      node.kind = LabelFilterExpr::Kind::kOr;
      node.children.push_back(std::move(lhs));
      node.children.push_back(std::move(rhs));
      lhs = std::move(node);
    }
    return lhs;
  }

  Result<LabelFilterExpr> ParseLabelFilterAnd() {
    LODE_ASSIGN_OR_RETURN(LabelFilterExpr lhs, ParseLabelFilterPrimary());
    // `and`, `,` and plain juxtaposition (`| a="x" b>1`) all mean and.
    while (IsKeyword(Peek(), "and") ||
           (Peek().kind == TokenKind::kComma && StartsLabelFilter(pos_ + 1)) ||
           StartsLabelFilter(pos_)) {
      if (IsKeyword(Peek(), "and") || Peek().kind == TokenKind::kComma) Consume();
      LODE_ASSIGN_OR_RETURN(LabelFilterExpr rhs, ParseLabelFilterPrimary());
      LabelFilterExpr node;
      node.kind = LabelFilterExpr::Kind::kAnd;
      node.children.push_back(std::move(lhs));
      node.children.push_back(std::move(rhs));
      lhs = std::move(node);
    }
    return lhs;
  }

  bool StartsLabelFilter(size_t at) const {
    if (tokens_[at].kind == TokenKind::kOpenParen) return true;
    return tokens_[at].kind == TokenKind::kIdentifier &&
           (CompareOpFor(tokens_[at + 1].kind) || tokens_[at + 1].kind == TokenKind::kRe ||
            tokens_[at + 1].kind == TokenKind::kNre);
  }

  Result<LabelFilterExpr> ParseLabelFilterPrimary() {
    if (Peek().kind == TokenKind::kOpenParen) {
      Consume();
      LODE_ASSIGN_OR_RETURN(LabelFilterExpr inner, ParseLabelFilterOr());
      LODE_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
      return inner;
    }
    if (Peek().kind != TokenKind::kIdentifier) return Unexpected("IDENTIFIER");
    const Token& name = Consume();
    LabelFilterExpr f;
    f.name = std::string(name.text);
    const Token& op = Peek();
    // String matchers: = != =~ !~ "text".
    if (std::optional<MatchType> type = MatchTypeFor(op.kind);
        type && tokens_[pos_ + 1].kind == TokenKind::kString) {
      Consume();
      const Token& value = Consume();
      Result<Matcher> m = Matcher::Create(*type, f.name, value.value);
      if (!m.ok()) return ParseErrorAt(value.pos, m.status().message());
      f.kind = LabelFilterExpr::Kind::kString;
      f.matcher = std::move(m).value();
      return f;
    }
    std::optional<CompareOp> cmp = CompareOpFor(op.kind);
    if (!cmp) return Unexpected("a comparison operator (= != =~ !~ == > >= < <=)");
    Consume();
    f.op = *cmp;
    const Token& value = Peek();
    if (IsKeyword(value, "ip") && tokens_[pos_ + 1].kind == TokenKind::kOpenParen) {
      if (op.kind != TokenKind::kEq && op.kind != TokenKind::kNeq) {
        // Loki's grammar has ip() only after = and !=.
        return ParseErrorAt(value.pos, "syntax error: unexpected ip (ip() filters take = and !=)");
      }
      Consume();
      Consume();
      if (Peek().kind != TokenKind::kString) return Unexpected("STRING");
      const Token& arg = Consume();
      LODE_RETURN_IF_ERROR(CheckIpArgument(arg));
      LODE_RETURN_IF_ERROR(Expect(TokenKind::kCloseParen));
      f.kind = LabelFilterExpr::Kind::kIp;
      f.text = arg.value;
      return f;
    }
    bool negative = false;
    if (Peek().kind == TokenKind::kSub) {
      Consume();
      negative = true;
    }
    const Token& v = Peek();
    switch (v.kind) {
      case TokenKind::kNumber: {
        Consume();
        LODE_ASSIGN_OR_RETURN(double n, NumberValue(v));
        f.kind = LabelFilterExpr::Kind::kNumber;
        f.number = negative ? -n : n;
        break;
      }
      case TokenKind::kDuration: {
        Consume();
        LODE_ASSIGN_OR_RETURN(int64_t d, DurationValue(v));
        f.kind = LabelFilterExpr::Kind::kDuration;
        f.integer = negative ? -d : d;
        break;
      }
      case TokenKind::kBytes: {
        Consume();
        std::optional<int64_t> b = ParseBytes(v.text);
        if (!b) return ParseErrorAt(v.pos, "invalid byte size " + std::string(v.text));
        f.kind = LabelFilterExpr::Kind::kBytes;
        f.integer = negative ? -*b : *b;
        break;
      }
      case TokenKind::kString:
        return ParseErrorAt(v.pos, std::string("syntax error: unexpected STRING after ") +
                                       std::string(op.text) + ": strings compare with = != =~ !~");
      default:
        return Unexpected("NUMBER, DURATION or BYTES");
    }
    f.literal = (negative ? "-" : "") + std::string(v.text);
    return f;
  }

  static bool IsKeyword(const Token& tok, std::string_view word) {
    return tok.kind == TokenKind::kIdentifier && tok.text == word;
  }

  // The lexer guarantees a final kEnd token, and nothing consumes past it;
  // lookahead past the end reads the final kEnd again.
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Consume() {
    const Token& tok = tokens_[pos_];
    if (tok.kind != TokenKind::kEnd) ++pos_;
    return tok;
  }

  Status Expect(TokenKind kind) {
    if (Peek().kind != kind) return Unexpected(TokenKindName(kind));
    Consume();
    return Status::Ok();
  }

  // "syntax error: unexpected X, expecting Y" at the next token.
  Status Unexpected(std::string_view expecting) const {
    const Token& tok = Peek();
    return ParseErrorAt(tok.pos, std::string("syntax error: unexpected ") + UnexpectedName(tok) +
                                     ", expecting " + std::string(expecting));
  }

  // How Loki's parser names a token it did not expect: its keywords and
  // function names as written (`bool`, `ip`, `rate`), a range `[5m]` as
  // RANGE, other tokens by TokenKindName.
  std::string UnexpectedName(const Token& tok) const {
    if (tok.kind == TokenKind::kIdentifier && IsLokiKeyword(tok.text)) return std::string(tok.text);
    if (tok.kind == TokenKind::kOpenBracket && tokens_[pos_ + 1].kind == TokenKind::kDuration) {
      return "RANGE";
    }
    return TokenKindName(tok.kind);
  }

  static bool IsLokiKeyword(std::string_view w) {
    static const std::set<std::string_view> kKeywords = {"by",
                                                         "without",
                                                         "bool",
                                                         "on",
                                                         "ignoring",
                                                         "group_left",
                                                         "group_right",
                                                         "offset",
                                                         "or",
                                                         "and",
                                                         "unless",
                                                         "ip",
                                                         "json",
                                                         "logfmt",
                                                         "regexp",
                                                         "pattern",
                                                         "unpack",
                                                         "line_format",
                                                         "label_format",
                                                         "decolorize",
                                                         "drop",
                                                         "keep",
                                                         "unwrap",
                                                         "bytes",
                                                         "duration",
                                                         "duration_seconds",
                                                         "label_replace",
                                                         "vector",
                                                         "sum",
                                                         "avg",
                                                         "min",
                                                         "max",
                                                         "count",
                                                         "stddev",
                                                         "stdvar",
                                                         "topk",
                                                         "bottomk",
                                                         "approx_topk",
                                                         "sort",
                                                         "sort_desc",
                                                         "rate",
                                                         "rate_counter",
                                                         "count_over_time",
                                                         "bytes_rate",
                                                         "bytes_over_time",
                                                         "absent_over_time",
                                                         "sum_over_time",
                                                         "avg_over_time",
                                                         "min_over_time",
                                                         "max_over_time",
                                                         "stddev_over_time",
                                                         "stdvar_over_time",
                                                         "quantile_over_time",
                                                         "first_over_time",
                                                         "last_over_time"};
    return kKeywords.contains(w);
  }

  // Recursion depth, bounded so that a query of nested parentheses cannot
  // overflow the stack.
  static constexpr int kMaxDepth = 200;
  struct DepthGuard {
    explicit DepthGuard(int& d) : depth(d) { ++depth; }
    ~DepthGuard() { --depth; }
    int& depth;
  };
  int depth_ = 0;

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  Status deferred_;  // the first semantic error of a selector, if any
};

}  // namespace

Result<Expr> ParseQuery(std::string_view query) {
  if (query.size() > kMaxQueryBytes) {
    return ParseError("query too long: " + std::to_string(query.size()) + " bytes, limit is " +
                      std::to_string(kMaxQueryBytes));
  }
  LODE_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(query));
  // Lookahead reads up to four tokens ahead; padding with end tokens keeps
  // every such read in bounds.
  for (int i = 0; i < 5; ++i) tokens.push_back(tokens.back());
  return Parser(std::move(tokens)).ParseQuery();
}

}  // namespace lode::logql
