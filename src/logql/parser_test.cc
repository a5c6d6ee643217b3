#include "logql/parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "logql/printer.h"

namespace lode::logql {
namespace {

using Op = LineFilter::Op;

LogSelectorExpr MustParse(std::string_view query) {
  Result<Expr> expr = ParseQuery(query);
  EXPECT_TRUE(expr.ok()) << query << " -> " << expr.status().ToString();
  if (!expr.ok()) return LogSelectorExpr{};
  EXPECT_TRUE(expr->is_log()) << query;
  return expr->is_log() ? *expr->log() : LogSelectorExpr{};
}

std::string ParseErrorOf(std::string_view query) {
  Result<Expr> expr = ParseQuery(query);
  EXPECT_FALSE(expr.ok()) << query << " parsed as " << (expr.ok() ? Print(*expr) : "");
  if (expr.ok()) return "";
  EXPECT_EQ(expr.status().code(), StatusCode::kInvalidArgument);
  return expr.status().message();
}

void ExpectMatcher(const Matcher& m, MatchType type, std::string_view name,
                   std::string_view value) {
  EXPECT_EQ(m.type(), type);
  EXPECT_EQ(m.name(), name);
  EXPECT_EQ(m.value(), value);
}

// Print(Parse(q)) is `canonical`, and parsing that gives the same AST.
void ExpectCanonical(std::string_view query, std::string_view canonical) {
  LogSelectorExpr expr = MustParse(query);
  std::string printed = Print(expr);
  EXPECT_EQ(printed, canonical) << query;
  Result<Expr> again = ParseQuery(printed);
  ASSERT_TRUE(again.ok()) << printed << " -> " << again.status().ToString();
  EXPECT_TRUE(again->is_log() && *again->log() == expr) << printed;
}

constexpr std::string_view kEmptyCompatible =
    "parse error : queries require at least one regexp or equality matcher that does not have "
    "an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but "
    "app=~\".+\" will";

TEST(ParserTest, SingleMatcher) {
  LogSelectorExpr expr = MustParse(R"({app="api"})");
  ASSERT_EQ(expr.matchers.size(), 1u);
  ExpectMatcher(expr.matchers[0], MatchType::kEqual, "app", "api");
  EXPECT_TRUE(expr.pipeline.empty());
}

TEST(ParserTest, AllMatcherOperatorsInOrder) {
  LogSelectorExpr expr = MustParse(R"({a="1", b!="2", c=~"3.*", d!~"4|5"})");
  ASSERT_EQ(expr.matchers.size(), 4u);
  ExpectMatcher(expr.matchers[0], MatchType::kEqual, "a", "1");
  ExpectMatcher(expr.matchers[1], MatchType::kNotEqual, "b", "2");
  ExpectMatcher(expr.matchers[2], MatchType::kRegexMatch, "c", "3.*");
  ExpectMatcher(expr.matchers[3], MatchType::kRegexNoMatch, "d", "4|5");
  EXPECT_TRUE(expr.matchers[2].Matches("3abc"));  // regex compiled and anchored
  EXPECT_FALSE(expr.matchers[2].Matches("x3"));
}

TEST(ParserTest, LineFilters) {
  LogSelectorExpr expr = MustParse(R"({a="b"} |= "x" != "y" |~ "z+" !~ "w.")");
  ASSERT_EQ(expr.LineFilters().size(), 4u);
  EXPECT_EQ(expr.LineFilters()[0], (LineFilter{Op::kContains, {"x"}}));
  EXPECT_EQ(expr.LineFilters()[1], (LineFilter{Op::kNotContains, {"y"}}));
  EXPECT_EQ(expr.LineFilters()[2], (LineFilter{Op::kRegexMatch, {"z+"}}));
  EXPECT_EQ(expr.LineFilters()[3], (LineFilter{Op::kRegexNoMatch, {"w."}}));
}

TEST(ParserTest, OrChains) {
  LogSelectorExpr expr = MustParse(R"({a="b"} |= "x" or "y" != "p" or "q" or "r" |~ "a" or `b+`)");
  ASSERT_EQ(expr.LineFilters().size(), 3u);
  EXPECT_EQ(expr.LineFilters()[0], (LineFilter{Op::kContains, {"x", "y"}}));
  EXPECT_EQ(expr.LineFilters()[1], (LineFilter{Op::kNotContains, {"p", "q", "r"}}));
  EXPECT_EQ(expr.LineFilters()[2], (LineFilter{Op::kRegexMatch, {"a", "b+"}}));
}

TEST(ParserTest, NoWhitespaceNeeded) {
  LogSelectorExpr expr = MustParse(R"({a="b",c!~"d"}|="x"or"y"!="z")");
  ASSERT_EQ(expr.matchers.size(), 2u);
  ASSERT_EQ(expr.LineFilters().size(), 2u);
  EXPECT_EQ(expr.LineFilters()[0], (LineFilter{Op::kContains, {"x", "y"}}));
}

TEST(ParserTest, KeywordsAreValidLabelNames) {
  LogSelectorExpr expr = MustParse(R"({or="1", json="2", by="3"} |= "or")");
  ASSERT_EQ(expr.matchers.size(), 3u);
  ExpectMatcher(expr.matchers[0], MatchType::kEqual, "or", "1");
}

TEST(ParserTest, EscapesAndBackticks) {
  LogSelectorExpr expr = MustParse(
      R"({a="q\"b\\s\n\t\r\u00e9\x41\101", b=`c:\path\"x`} |= "tab\there" |~ `\d+\.\d+`)");
  ASSERT_EQ(expr.matchers.size(), 2u);
  ExpectMatcher(expr.matchers[0], MatchType::kEqual, "a",
                "q\"b\\s\n\t\r\xc3\xa9"
                "AA");
  ExpectMatcher(expr.matchers[1], MatchType::kEqual, "b", R"(c:\path\"x)");
  EXPECT_EQ(expr.LineFilters()[0].values[0], "tab\there");
  EXPECT_EQ(expr.LineFilters()[1].values[0], R"(\d+\.\d+)");
}

TEST(ParserTest, CommentsAndMultilineQueries) {
  LogSelectorExpr expr = MustParse(
      "# which streams\n"
      "{\n"
      "  app = \"api\",   # the service\n"
      "  env =~ \"prod|dev\"\n"
      "}\n"
      "  |= \"error\"   # first filter\n"
      "  != \"#not a comment\"\n"
      "  |~ `multi\n"
      "line` # trailing comment, no newline");
  ASSERT_EQ(expr.matchers.size(), 2u);
  ExpectMatcher(expr.matchers[1], MatchType::kRegexMatch, "env", "prod|dev");
  ASSERT_EQ(expr.LineFilters().size(), 3u);
  EXPECT_EQ(expr.LineFilters()[1], (LineFilter{Op::kNotContains, {"#not a comment"}}));
  EXPECT_EQ(expr.LineFilters()[2], (LineFilter{Op::kRegexMatch, {"multi\nline"}}));
}

TEST(ParserTest, PrinterCanonicalForm) {
  ExpectCanonical(R"({app="x",env=~"prod|dev"}|="a" or "b"!="c")",
                  R"({app="x", env=~"prod|dev"} |= "a" or "b" != "c")");
  ExpectCanonical("{ a = `x\\y` }  |~ `\\d`  !~ \"e\"", R"({a="x\\y"} |~ "\\d" !~ "e")");
  ExpectCanonical(R"({a!="", b="q\"\n\t\r"})", R"({a!="", b="q\"\n\t\r"})");
  ExpectCanonical(R"({a="é 😀"})", R"({a="é 😀"})");
  // Control bytes and invalid UTF-8 are escaped so the text stays printable.
  ExpectCanonical(R"({a="x"} |= "\x00\x1b\x7f\xff\xc3")", R"({a="x"} |= "\x00\x1b\x7f\xff\xc3")");
  ExpectCanonical(R"({a="x"} |= "\u00e9\xc3\xa9")", R"({a="x"} |= "éé")");
}

TEST(ParserTest, RoundTripOfHandWrittenQueries) {
  const char* queries[] = {
      R"({a="b"})",
      R"({a="b", a="c", a!~"d"})",
      R"({job=~"loki.*|prom"} |= "" != "" |~ "" !~ "x?")",
      R"({a="b"} |= "x" or "y" or "z" != `w` or "v")",
      "{a=\"\\a\\b\\f\\v\\\\\"} |= \"\\U0001F600\"",
  };
  for (const char* q : queries) {
    LogSelectorExpr expr = MustParse(q);
    std::string printed = Print(expr);
    Result<Expr> again = ParseQuery(printed);
    ASSERT_TRUE(again.ok()) << q << " printed as " << printed;
    EXPECT_TRUE(again->is_log() && *again->log() == expr) << q << " printed as " << printed;
    EXPECT_EQ(Print(*again), printed);
  }
}

TEST(ParserTest, SyntaxErrorPositions) {
  EXPECT_EQ(ParseErrorOf(R"({app=x})"),
            "parse error at line 1, col 6: syntax error: unexpected IDENTIFIER, expecting STRING");
  EXPECT_EQ(ParseErrorOf(R"({a="b"} |= foo)"),
            "parse error at line 1, col 12: syntax error: unexpected IDENTIFIER, expecting STRING");
  EXPECT_EQ(ParseErrorOf("{}"),
            "parse error at line 1, col 2: syntax error: unexpected }, expecting "
            "IDENTIFIER");
  EXPECT_EQ(ParseErrorOf(R"({a="b")"),
            "parse error at line 1, col 7: syntax error: unexpected $end, expecting , "
            "or }");
  EXPECT_EQ(ParseErrorOf(R"({a="b",})"),
            "parse error at line 1, col 8: syntax error: unexpected }, expecting "
            "IDENTIFIER");
  EXPECT_EQ(
      ParseErrorOf(R"({a "b"})"),
      "parse error at line 1, col 4: syntax error: unexpected STRING, expecting = or != or =~ "
      "or !~");
  EXPECT_EQ(ParseErrorOf(R"({"a"="b"})"),
            "parse error at line 1, col 2: syntax error: unexpected STRING, expecting IDENTIFIER");
  EXPECT_EQ(ParseErrorOf(R"({a-b="c"})"),
            "parse error at line 1, col 3: syntax error: unexpected -, expecting = or != or =~ or "
            "!~");
  EXPECT_EQ(ParseErrorOf(""),
            "parse error at line 1, col 1: syntax error: unexpected $end, expecting "
            "an expression");
  EXPECT_EQ(ParseErrorOf(R"({a="b"} |= "x" or)"),
            "parse error at line 1, col 18: syntax error: unexpected $end, expecting "
            "STRING");
  EXPECT_EQ(ParseErrorOf(R"({a="b"} |=)"),
            "parse error at line 1, col 11: syntax error: unexpected $end, expecting "
            "STRING");
}

TEST(ParserTest, ErrorPositionsInMultilineQueries) {
  EXPECT_EQ(ParseErrorOf("{app=\"x\"}\n  |= \"a\"\n  |~ \"(\""),
            "parse error at line 3, col 6: error parsing regexp: missing closing ): `(`");
  EXPECT_EQ(ParseErrorOf("{\n  app=\"x\",\n  env=prod\n}"),
            "parse error at line 3, col 7: syntax error: unexpected IDENTIFIER, expecting STRING");
  EXPECT_EQ(ParseErrorOf("# comment {\n{a=`multi\nline`} |= \"x\" junk"),
            "parse error at line 3, col 15: syntax error: unexpected IDENTIFIER, expecting "
            "a line filter (|= != |~ !~ |> !>), | or $end");
  EXPECT_EQ(ParseErrorOf("{a=\"b\"}\n  |= \"x\\z\""),
            "parse error at line 2, col 8: invalid char escape");
}

TEST(ParserTest, TrailingGarbage) {
  EXPECT_EQ(ParseErrorOf(R"({a="b"} "x")"),
            "parse error at line 1, col 9: syntax error: unexpected STRING, expecting "
            "a line filter (|= != |~ !~ |> !>), | or $end");
  EXPECT_EQ(ParseErrorOf(R"({a="b"}})"),
            "parse error at line 1, col 8: syntax error: unexpected }, expecting "
            "a line filter (|= != |~ !~ |> !>), | or $end");
  EXPECT_EQ(ParseErrorOf(R"({a="b"} |= "x" and "y")"),
            "parse error at line 1, col 16: syntax error: unexpected and, expecting a line "
            "filter (|= != |~ !~ |> !>), | or $end (a log query cannot be an "
            "operand; wrap it in a range aggregation such as count_over_time)");
  EXPECT_EQ(ParseErrorOf(R"({a="b"} {c="d"})"),
            "parse error at line 1, col 9: syntax error: unexpected {, expecting "
            "a line filter (|= != |~ !~ |> !>), | or $end");
}

TEST(ParserTest, WholeLanguageParsesAndMisplacedPiecesAreErrors) {
  for (const char* q :
       {R"({a="b"} | json)", R"(count_over_time({a="b"}[5m]))", R"({a="b"} |> "<_> x")",
        R"({a="b"} |= ip("1.2.3.4"))", R"({a="b"} | logfmt | level="error")",
        R"(sum(rate({a="b"}[1m])) by (x))", R"({a="b"} | line_format "{{.x}}")", R"(1 + 1)"}) {
    Result<Expr> expr = ParseQuery(q);
    EXPECT_TRUE(expr.ok()) << q << ": " << expr.status().ToString();
  }
  EXPECT_EQ(ParseErrorOf(R"({a="b"}[5m])"),
            "parse error at line 1, col 8: syntax error: unexpected RANGE (a range is only allowed "
            "inside a range aggregation such as count_over_time(...))");
  EXPECT_EQ(ParseErrorOf(R"({a="b"} or {c="d"})"),
            "parse error at line 1, col 9: syntax error: unexpected or, expecting a line filter "
            "(|= != |~ !~ |> !>), | or $end (a log query cannot be an operand; wrap "
            "it in a range aggregation such as count_over_time)");
}

TEST(ParserTest, EmptyCompatibleMatchersAreRejected) {
  for (const char* q : {R"({a=""})", R"({a=~".*"})", R"({a!="x"})", R"({a!~"x", b=~".*", c=""})",
                        R"({a=~"|x"} |= "y")"}) {
    EXPECT_EQ(ParseErrorOf(q), kEmptyCompatible) << q;
  }
  for (const char* q :
       {R"({a!=""})", R"({a=~".+"})", R"({a=~".*", b="x"})", R"({a!~".*"})", R"({a!~"", b=""})"}) {
    MustParse(q);
  }
  // A syntax error anywhere wins over the selector rule, as in Loki.
  EXPECT_EQ(ParseErrorOf(R"({a=~".*"} |=)"),
            "parse error at line 1, col 13: syntax error: unexpected $end, expecting "
            "STRING");
}

TEST(ParserTest, BadRegexes) {
  EXPECT_EQ(ParseErrorOf(R"({a="b"} |~ "(")"),
            "parse error at line 1, col 12: error parsing regexp: missing closing ): `(`");
  EXPECT_EQ(ParseErrorOf(R"({a="b"} !~ "ok" or "[z-a]")"),
            "parse error at line 1, col 20: error parsing regexp: invalid character class "
            "range: `z-a`");
  // A matcher's error names the user's regex, not its anchored form.
  EXPECT_EQ(ParseErrorOf(R"({a=~"(", b="c"})"),
            "parse error at line 1, col 5: error parsing regexp: missing closing ): `(`");
  // Plain filters are not regexes.
  MustParse(R"({a="b"} |= "(" != "[z-a]")");
}

TEST(ParserTest, UnterminatedStrings) {
  EXPECT_EQ(ParseErrorOf(R"({a="b})"), "parse error at line 1, col 4: unterminated string");
  EXPECT_EQ(ParseErrorOf("{a=\"b\"} |= \"x\n\""),
            "parse error at line 1, col 12: unterminated string");
  EXPECT_EQ(ParseErrorOf("{a=\"b\"}\n|= `x"),
            "parse error at line 2, col 4: unterminated raw string");
}

TEST(ParserTest, QueryLengthLimit) {
  std::string query = R"({a="b"} |= ")";
  query.append(kMaxQueryBytes - query.size() - 1, 'x');
  query += '"';
  ASSERT_EQ(query.size(), kMaxQueryBytes);
  EXPECT_EQ(MustParse(query).LineFilters().at(0).values.at(0).size(), kMaxQueryBytes - 13);

  query.insert(0, " ");
  EXPECT_EQ(ParseErrorOf(query), "parse error : query too long: 131073 bytes, limit is 131072");
  EXPECT_EQ(ParseErrorOf(std::string(1 << 20, '{')),
            "parse error : query too long: 1048576 bytes, limit is 131072");
}

// Whatever the input, the parser returns; when it accepts, the printer
// round-trips. Deterministic so failures reproduce.
TEST(ParserTest, GarbageInputsNeverCrash) {
  std::mt19937 rng(20240611);
  const std::vector<std::string> pieces = {
      "{",   "}",        "(",        ")",  "[",   "]",       ",",   "|",    "|=",
      "!=",  "|~",       "!~",       "=",  "=~",  "==",      "|>",  " ",    "\n",
      "#",   "\"",       "`",        "\\", "a",   "app",     "or",  "json", "\"x\"",
      "`y`", "\".*\"",   "\"(\"",    "5m", "1.5", "\\u00e9", "\\x", "\xff", std::string(1, '\0'),
      "é",   "\"\\\"\"", "{a=\"b\"}"};
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  int accepted = 0;
  for (int i = 0; i < 600; ++i) {
    std::string input;
    const size_t parts = pick(20);
    if (i % 3 == 0) {  // random bytes
      for (size_t j = 0; j < parts * 3; ++j) input.push_back(static_cast<char>(pick(256)));
    } else {  // token soup, half of it behind a valid prefix
      if (i % 2 == 0) input = R"({app="api"} )";
      for (size_t j = 0; j < parts; ++j) input += pieces[pick(pieces.size())];
    }
    Result<Expr> expr = ParseQuery(input);
    if (!expr.ok()) {
      EXPECT_EQ(expr.status().code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(expr.status().message().rfind("parse error ", 0), 0u) << expr.status().message();
      continue;
    }
    ++accepted;
    std::string printed = Print(*expr);
    Result<Expr> again = ParseQuery(printed);
    ASSERT_TRUE(again.ok()) << "input " << input << " printed " << printed;
    EXPECT_TRUE(*again == *expr) << printed;
  }
  EXPECT_GT(accepted, 0);  // the generator does reach valid queries
}

}  // namespace
}  // namespace lode::logql
