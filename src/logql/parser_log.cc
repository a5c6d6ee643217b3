// The log side of LogQL's grammar: a selector and its pipeline of line
// filters, parsers, formatting stages and label filters, and a range
// aggregation's unwrap. Parser is declared in parser_internal.h.
#include <re2/re2.h>

#include <charconv>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "logql/ip_range.h"
#include "logql/parser_internal.h"
#include "logql/pattern.h"

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

}  // namespace

Result<LogSelectorExpr> Parser::ParseLogQuery() {
  LogSelectorExpr expr;
  LODE_ASSIGN_OR_RETURN(expr.matchers, ParseSelector());
  LODE_RETURN_IF_ERROR(ParsePipeline(expr, nullptr));
  return expr;
}

// Stages until something that is not one. With `unwrap` (inside a range
// aggregation), `| unwrap ...` and the label filters after it end the
// pipeline.
Status Parser::ParsePipeline(LogSelectorExpr& expr, std::optional<Unwrap>* unwrap) {
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

Result<Unwrap> Parser::ParseUnwrap() {
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

Result<std::vector<Matcher>> Parser::ParseSelector() {
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

Result<Matcher> Parser::ParseMatcher() {
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

Result<LineFilter> Parser::ParseLineFilter() {
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

Status Parser::CheckIpArgument(const Token& tok) {
  if (!ParseIpRange(tok.value)) {
    return ParseErrorAt(
        tok.pos, "invalid ip(): \"" + tok.value + "\" is not an address, a range a-b or a CIDR");
  }
  return Status::Ok();
}

// After `|`: a parser, a formatting stage, or a label filter.
Result<Stage> Parser::ParseStage() {
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

Status Parser::CheckRegexpStage(const Token& tok) {
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

Result<Stage> Parser::ParseJsonOrLogfmt() {
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
               tokens_[pos_ + 3].kind == TokenKind::kSub && IsKeyword(tokens_[pos_ + 4], "empty")) {
      p.keep_empty = true;
      pos_ += 2;
    } else {
      return ParseErrorAt(flag_start.pos,
                          "unknown logfmt flag --" + flag + ": expected --strict or --keep-empty");
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

Result<Stage> Parser::ParseLabelFormat() {
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

Result<Stage> Parser::ParseLabelSelection() {
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

Result<LabelFilterExpr> Parser::ParseLabelFilterOr() {
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

Result<LabelFilterExpr> Parser::ParseLabelFilterAnd() {
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

bool Parser::StartsLabelFilter(size_t at) const {
  if (tokens_[at].kind == TokenKind::kOpenParen) return true;
  return tokens_[at].kind == TokenKind::kIdentifier &&
         (CompareOpFor(tokens_[at + 1].kind) || tokens_[at + 1].kind == TokenKind::kRe ||
          tokens_[at + 1].kind == TokenKind::kNre);
}

Result<LabelFilterExpr> Parser::ParseLabelFilterPrimary() {
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

}  // namespace lode::logql
