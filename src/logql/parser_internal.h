// What the parser's files share: the Parser class, whose productions are
// defined by grammar in parser_metric.cc (expressions, binary operators
// and vector matching, range and vector aggregations, label_replace) and
// parser_log.cc (log queries, selectors, line filters, pipeline stages,
// label filters, unwrap), with the entry point and the token helpers in
// parser.cc. Not for other files: the interface is parser.h.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "logql/ast.h"
#include "logql/lexer.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace lode::logql {

// What a syntax error after a whole log query says may come there.
inline constexpr const char* kAfterLogQuery = "a line filter (|= != |~ !~ |> !>), | or $end";

// Compiles a regex token's value with RE2 (errors unlogged); the regex's
// error, if any, as a parse error at the token.
Status CompileRegex(const Token& tok, std::unique_ptr<re2::RE2>& out);

// Holds the token stream and the position in it. One instance parses one
// query; each Parse* method consumes exactly the tokens of its production.
class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<Expr> ParseQuery();

 private:
  // ---- Binary expressions, by precedence climbing (parser_metric.cc). ----

  Result<Expr> ParseExpr(int min_precedence);
  static Status CheckOperand(const Expr& e, const Token& at);
  static bool IsScalar(const Expr& e);
  Result<std::optional<VectorMatching>> ParseVectorMatching(BinaryOp op);
  Result<std::vector<std::string>> ParseLabelList();

  // ---- Unary expressions (parser_metric.cc). ----

  Result<Expr> ParseUnary();
  Result<double> ParseSignedNumber();
  Result<Expr> ParseLabelReplace();

  // ---- Aggregations (parser_metric.cc). ----

  Result<Expr> ParseRangeAggregation(RangeOp op);
  Result<LogRange> ParseLogRange();
  Result<Grouping> ParseGrouping();
  Result<Expr> ParseVectorAggregation(VectorOp op);

  // ---- Log queries (parser_log.cc). ----

  Result<LogSelectorExpr> ParseLogQuery();
  Status ParsePipeline(LogSelectorExpr& expr, std::optional<Unwrap>* unwrap);
  Result<Unwrap> ParseUnwrap();
  Result<std::vector<Matcher>> ParseSelector();
  Result<Matcher> ParseMatcher();
  Result<LineFilter> ParseLineFilter();
  Status CheckIpArgument(const Token& tok);
  Result<Stage> ParseStage();
  Status CheckRegexpStage(const Token& tok);
  Result<Stage> ParseJsonOrLogfmt();
  Result<Stage> ParseLabelFormat();
  Result<Stage> ParseLabelSelection();

  // ---- Label filters, `or` over `and` (parser_log.cc). ----

  Result<LabelFilterExpr> ParseLabelFilterOr();
  Result<LabelFilterExpr> ParseLabelFilterAnd();
  bool StartsLabelFilter(size_t at) const;
  Result<LabelFilterExpr> ParseLabelFilterPrimary();

  // ---- Literal values and tokens (parser.cc; the smallest inline). ----

  Result<double> NumberValue(const Token& tok);
  Result<int64_t> DurationValue(const Token& tok);

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

  Status Expect(TokenKind kind);
  Status Unexpected(std::string_view expecting) const;
  std::string UnexpectedName(const Token& tok) const;
  static bool IsLokiKeyword(std::string_view w);

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

}  // namespace lode::logql
