// ParseQuery and what every production uses: number and duration values,
// the token helpers, and Loki's wording of a syntax error. The productions
// are in parser_metric.cc and parser_log.cc.
#include "logql/parser.h"

#include <re2/re2.h>

#include <charconv>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/time.h"
#include "logql/lexer.h"
#include "logql/parser_internal.h"
#include "model/regex_error.h"

namespace lode::logql {

namespace {

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

}  // namespace

Status CompileRegex(const Token& tok, std::unique_ptr<RE2>& out) {
  RE2::Options options;
  options.set_log_errors(false);
  out = std::make_unique<RE2>(tok.value, options);
  if (out->ok()) return Status::Ok();
  return ParseErrorAt(tok.pos, DescribeRegexError(*out));
}

Result<Expr> Parser::ParseQuery() {
  LODE_ASSIGN_OR_RETURN(Expr expr, ParseExpr(0));
  if (Peek().kind != TokenKind::kEnd) {
    if (expr.is_log()) return Unexpected(kAfterLogQuery);
    return Unexpected("an operator or end of input");
  }
  LODE_RETURN_IF_ERROR(deferred_);
  return expr;
}

Result<double> Parser::NumberValue(const Token& tok) {
  std::optional<double> v = ParseNumber(tok.text);
  if (!v) {
    return ParseErrorAt(tok.pos, "unable to parse literal as a float: " + std::string(tok.text));
  }
  return *v;
}

Result<int64_t> Parser::DurationValue(const Token& tok) {
  auto d = ParseDuration(tok.text);
  if (!d.ok()) return ParseErrorAt(tok.pos, d.status().message());
  return *d;
}

Status Parser::Expect(TokenKind kind) {
  if (Peek().kind != kind) return Unexpected(TokenKindName(kind));
  Consume();
  return Status::Ok();
}

// "syntax error: unexpected X, expecting Y" at the next token.
Status Parser::Unexpected(std::string_view expecting) const {
  const Token& tok = Peek();
  return ParseErrorAt(tok.pos, std::string("syntax error: unexpected ") + UnexpectedName(tok) +
                                   ", expecting " + std::string(expecting));
}

// How Loki's parser names a token it did not expect: its keywords and
// function names as written (`bool`, `ip`, `rate`), a range `[5m]` as
// RANGE, other tokens by TokenKindName.
std::string Parser::UnexpectedName(const Token& tok) const {
  if (tok.kind == TokenKind::kIdentifier && IsLokiKeyword(tok.text)) return std::string(tok.text);
  if (tok.kind == TokenKind::kOpenBracket && tokens_[pos_ + 1].kind == TokenKind::kDuration) {
    return "RANGE";
  }
  return TokenKindName(tok.kind);
}

bool Parser::IsLokiKeyword(std::string_view w) {
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
