#include "logql/parser.h"

#include <re2/re2.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "logql/lexer.h"

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
    default:
      return std::nullopt;
  }
}

// Loki searches for a filter regex anywhere in the line, so no anchoring.
Status CheckFilterRegex(const Token& tok) {
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re(tok.value, options);
  if (re.ok()) return Status::Ok();
  std::string what = "invalid regex ";
  AppendQuoted(what, tok.value);
  what += ": ";
  what += re.error();
  return ParseErrorAt(tok.pos, what);
}

// Holds the token stream and the position in it. One instance parses one
// query; each Parse* method consumes exactly the tokens of its production.
class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<Expr> ParseQuery() {
    LODE_ASSIGN_OR_RETURN(Expr expr, ParseLogSelectorExpr());
    if (Peek().kind != TokenKind::kEnd) {
      const char* expecting = expr.filters.empty()
                                  ? "PIPE_EXACT, NEQ, PIPE_MATCH, NRE or end of input"
                                  : "PIPE_EXACT, NEQ, PIPE_MATCH, NRE, OR or end of input";
      return Unexpected(expecting);
    }
    LODE_RETURN_IF_ERROR(Validate(expr));
    return expr;
  }

 private:
  Result<LogSelectorExpr> ParseLogSelectorExpr() {
    LogSelectorExpr expr;
    LODE_ASSIGN_OR_RETURN(expr.matchers, ParseSelector());
    while (LineFilterOpFor(Peek().kind).has_value()) {
      LODE_ASSIGN_OR_RETURN(LineFilter filter, ParseLineFilter());
      expr.filters.push_back(std::move(filter));
    }
    return expr;
  }

  Result<std::vector<Matcher>> ParseSelector() {
    LODE_RETURN_IF_ERROR(Expect(TokenKind::kOpenBrace));
    std::vector<Matcher> matchers;
    while (true) {
      LODE_ASSIGN_OR_RETURN(Matcher m, ParseMatcher());
      matchers.push_back(std::move(m));
      if (Peek().kind == TokenKind::kCloseBrace) break;
      if (Peek().kind != TokenKind::kComma) return Unexpected("COMMA or CLOSE_BRACE");
      Consume();
    }
    Consume();  // the closing brace
    return matchers;
  }

  Result<Matcher> ParseMatcher() {
    if (Peek().kind != TokenKind::kIdentifier) return Unexpected("IDENTIFIER");
    const Token& name = Consume();
    if (!IsValidLabelName(name.text)) {  // the lexer should make this unreachable
      return ParseErrorAt(name.pos, "invalid label name " + std::string(name.text));
    }
    std::optional<MatchType> type = MatchTypeFor(Peek().kind);
    if (!type) return Unexpected("EQ, NEQ, RE or NRE");
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
    while (true) {
      if (Peek().kind != TokenKind::kString) return Unexpected("STRING");
      const Token& value = Consume();
      if (is_regex) LODE_RETURN_IF_ERROR(CheckFilterRegex(value));
      filter.values.push_back(value.value);
      if (!IsKeyword(Peek(), "or")) break;
      Consume();
    }
    return filter;
  }

  // Rules that look at a whole parsed expression rather than one token.
  static Status Validate(const Expr& expr) {
    for (const Matcher& m : expr.matchers) {
      if (!m.Matches("")) return Status::Ok();
    }
    return ParseError(kEmptyCompatibleError);
  }

  static bool IsKeyword(const Token& tok, std::string_view word) {
    return tok.kind == TokenKind::kIdentifier && tok.text == word;
  }

  // The lexer guarantees a final kEnd token, and nothing consumes past it.
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
    return ParseErrorAt(tok.pos, std::string("syntax error: unexpected ") +
                                     TokenKindName(tok.kind) + ", expecting " +
                                     std::string(expecting));
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

}  // namespace

Result<LogSelectorExpr> ParseQuery(std::string_view query) {
  if (query.size() > kMaxQueryBytes) {
    return ParseError("query too long: " + std::to_string(query.size()) + " bytes, limit is " +
                      std::to_string(kMaxQueryBytes));
  }
  LODE_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(query));
  return Parser(std::move(tokens)).ParseQuery();
}

}  // namespace lode::logql
