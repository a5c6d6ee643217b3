// Tests of the log side of the LogQL grammar: line filters, parsers,
// formatting stages, drop/keep, and label filter expressions.
#include <gtest/gtest.h>

#include <cstdint>
#include <variant>
#include <vector>

#include "logql/parser.h"
#include "logql/parser_test_helpers.h"

namespace lode::logql {
namespace {

using Op = LineFilter::Op;
using Kind = LabelFilterExpr::Kind;

// ---- Log pipelines --------------------------------------------------------

TEST(ParserPipelineTest, LogQueryIsALogExpr) {
  Expr expr = MustParse(R"({app="api"} |= "x")");
  ASSERT_TRUE(expr.is_log());
  ASSERT_EQ(expr.log()->matchers.size(), 1u);
  ExpectMatcher(expr.log()->matchers[0], MatchType::kEqual, "app", "api");
  ASSERT_EQ(expr.log()->pipeline.size(), 1u);

  Expr metric = MustParse(R"(rate({app="api"}[1m]))");
  EXPECT_FALSE(metric.is_log());
  EXPECT_EQ(metric.log(), nullptr);
}

TEST(ParserPipelineTest, LineFiltersOfEveryKind) {
  std::vector<Stage> stages =
      PipelineOf(R"({a="b"} |= "x" or "y" != "z" |~ "r+" !~ "s" |> "<_> p <_>" !> "q <_>")"
                 R"( |= ip("10.0.0.0/8") != ip("1.2.3.4"))");
  const std::vector<Stage> want = {
      MakeLineFilter(Op::kContains, {"x", "y"}),
      MakeLineFilter(Op::kNotContains, {"z"}),
      MakeLineFilter(Op::kRegexMatch, {"r+"}),
      MakeLineFilter(Op::kRegexNoMatch, {"s"}),
      MakeLineFilter(Op::kPattern, {"<_> p <_>"}),
      MakeLineFilter(Op::kNotPattern, {"q <_>"}),
      MakeLineFilter(Op::kContains, {"10.0.0.0/8"}, /*ip=*/true),
      MakeLineFilter(Op::kNotContains, {"1.2.3.4"}, /*ip=*/true),
  };
  ASSERT_EQ(stages.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_TRUE(stages[i] == want[i]) << "stage " << i;
}

TEST(ParserPipelineTest, JsonExtractionsKeepBareLabels) {
  std::vector<Stage> stages = PipelineOf(R"({a="b"} | json | json a="x.y", b)");
  ASSERT_EQ(stages.size(), 2u);
  const LabelParser* plain = std::get_if<LabelParser>(&stages[0]);
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->kind, LabelParser::Kind::kJson);
  EXPECT_TRUE(plain->extractions.empty());

  const LabelParser* json = std::get_if<LabelParser>(&stages[1]);
  ASSERT_NE(json, nullptr);
  EXPECT_EQ(json->kind, LabelParser::Kind::kJson);
  ASSERT_EQ(json->extractions.size(), 2u);
  EXPECT_EQ(json->extractions[0], (LabelExtraction{"a", "x.y", false}));
  EXPECT_EQ(json->extractions[1], (LabelExtraction{"b", "", true}));
  EXPECT_FALSE(json->strict);
  EXPECT_FALSE(json->keep_empty);
}

TEST(ParserPipelineTest, LogfmtFlagsAndExtractions) {
  std::vector<Stage> stages = PipelineOf(
      R"({a="b"} | logfmt | logfmt --strict --keep-empty a="k", c | logfmt --keep-empty)");
  ASSERT_EQ(stages.size(), 3u);
  const LabelParser* plain = std::get_if<LabelParser>(&stages[0]);
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->kind, LabelParser::Kind::kLogfmt);
  EXPECT_FALSE(plain->strict);
  EXPECT_FALSE(plain->keep_empty);
  EXPECT_TRUE(plain->extractions.empty());

  const LabelParser* both = std::get_if<LabelParser>(&stages[1]);
  ASSERT_NE(both, nullptr);
  EXPECT_EQ(both->kind, LabelParser::Kind::kLogfmt);
  EXPECT_TRUE(both->strict);
  EXPECT_TRUE(both->keep_empty);
  ASSERT_EQ(both->extractions.size(), 2u);
  EXPECT_EQ(both->extractions[0], (LabelExtraction{"a", "k", false}));
  EXPECT_EQ(both->extractions[1], (LabelExtraction{"c", "", true}));

  const LabelParser* keep = std::get_if<LabelParser>(&stages[2]);
  ASSERT_NE(keep, nullptr);
  EXPECT_FALSE(keep->strict);
  EXPECT_TRUE(keep->keep_empty);
}

TEST(ParserPipelineTest, RegexpPatternAndUnpack) {
  std::vector<Stage> stages = PipelineOf(
      "{a=\"b\"} | regexp \"(?P<a>\\\\w+)\" | regexp `(?P<n>\\d+)` | pattern \"<p> <_>\" | unpack");
  ASSERT_EQ(stages.size(), 4u);
  EXPECT_TRUE(stages[0] == Stage(MakeLabelParser(LabelParser::Kind::kRegexp, "(?P<a>\\w+)")));
  EXPECT_TRUE(stages[1] == Stage(MakeLabelParser(LabelParser::Kind::kRegexp, "(?P<n>\\d+)")));
  EXPECT_TRUE(stages[2] == Stage(MakeLabelParser(LabelParser::Kind::kPattern, "<p> <_>")));
  EXPECT_TRUE(stages[3] == Stage(MakeLabelParser(LabelParser::Kind::kUnpack)));
}

TEST(ParserPipelineTest, LineFormatAndLabelFormat) {
  std::vector<Stage> stages =
      PipelineOf(R"({a="b"} | line_format "{{.a}}" | label_format a=b, c="{{.d}}")");
  ASSERT_EQ(stages.size(), 2u);
  EXPECT_TRUE(stages[0] == Stage(LineFormat{"{{.a}}"}));
  const LabelFormat* format = std::get_if<LabelFormat>(&stages[1]);
  ASSERT_NE(format, nullptr);
  ASSERT_EQ(format->items.size(), 2u);
  EXPECT_EQ(format->items[0], (LabelFormat::Item{"a", "b", false}));
  EXPECT_EQ(format->items[1], (LabelFormat::Item{"c", "{{.d}}", true}));
}

TEST(ParserPipelineTest, DropKeepAndDecolorize) {
  std::vector<Stage> stages =
      PipelineOf(R"({a="b"} | drop a, b="x", c=~"y.*" | keep d, e!="z" | decolorize)");
  ASSERT_EQ(stages.size(), 3u);
  const LabelSelection* drop = std::get_if<LabelSelection>(&stages[0]);
  ASSERT_NE(drop, nullptr);
  EXPECT_FALSE(drop->keep);
  ASSERT_EQ(drop->items.size(), 3u);
  EXPECT_EQ(drop->items[0].name, "a");
  EXPECT_FALSE(drop->items[0].matcher.has_value());
  EXPECT_EQ(drop->items[1].name, "b");
  ASSERT_TRUE(drop->items[1].matcher.has_value());
  ExpectMatcher(*drop->items[1].matcher, MatchType::kEqual, "b", "x");
  EXPECT_EQ(drop->items[2].name, "c");
  ASSERT_TRUE(drop->items[2].matcher.has_value());
  ExpectMatcher(*drop->items[2].matcher, MatchType::kRegexMatch, "c", "y.*");

  const LabelSelection* keep = std::get_if<LabelSelection>(&stages[1]);
  ASSERT_NE(keep, nullptr);
  EXPECT_TRUE(keep->keep);
  ASSERT_EQ(keep->items.size(), 2u);
  EXPECT_EQ(keep->items[0].name, "d");
  EXPECT_FALSE(keep->items[0].matcher.has_value());
  ASSERT_TRUE(keep->items[1].matcher.has_value());
  ExpectMatcher(*keep->items[1].matcher, MatchType::kNotEqual, "e", "z");

  EXPECT_TRUE(std::holds_alternative<Decolorize>(stages[2]));
}

TEST(ParserPipelineTest, StagesKeepQueryOrder) {
  std::vector<Stage> stages = PipelineOf(
      R"({a="b"} |= "x" | json | level="error" != "y" | line_format "{{.m}}" | decolorize)");
  ASSERT_EQ(stages.size(), 6u);
  EXPECT_TRUE(std::holds_alternative<LineFilter>(stages[0]));
  EXPECT_TRUE(std::holds_alternative<LabelParser>(stages[1]));
  EXPECT_TRUE(std::holds_alternative<LabelFilterExpr>(stages[2]));
  EXPECT_TRUE(stages[3] == Stage(MakeLineFilter(Op::kNotContains, {"y"})));
  EXPECT_TRUE(std::holds_alternative<LineFormat>(stages[4]));
  EXPECT_TRUE(std::holds_alternative<Decolorize>(stages[5]));
}

// ---- Label filters --------------------------------------------------------

TEST(ParserLabelFilterTest, AndBindsTighterThanOr) {
  LabelFilterExpr f = LabelFilterOf(R"(a="x", b>1 or c=~"y")");
  EXPECT_EQ(f.kind, Kind::kOr);
  ASSERT_EQ(f.children.size(), 2u);
  const LabelFilterExpr& both = f.children[0];
  EXPECT_EQ(both.kind, Kind::kAnd);
  ASSERT_EQ(both.children.size(), 2u);
  ExpectStringLeaf(both.children[0], MatchType::kEqual, "a", "x");
  const LabelFilterExpr& number = both.children[1];
  EXPECT_EQ(number.kind, Kind::kNumber);
  EXPECT_EQ(number.name, "b");
  EXPECT_EQ(number.op, CompareOp::kGt);
  EXPECT_EQ(number.number, 1);
  EXPECT_EQ(number.literal, "1");
  ExpectStringLeaf(f.children[1], MatchType::kRegexMatch, "c", "y");

  LabelFilterExpr g = LabelFilterOf(R"(a="x" or b="y" and c="z")");
  EXPECT_EQ(g.kind, Kind::kOr);
  ASSERT_EQ(g.children.size(), 2u);
  ExpectStringLeaf(g.children[0], MatchType::kEqual, "a", "x");
  EXPECT_EQ(g.children[1].kind, Kind::kAnd);
}

TEST(ParserLabelFilterTest, CommaIsAnd) {
  ExpectSameAst(R"({a="b"} | a="x", b="y")", R"({a="b"} | a="x" and b="y")");
  ExpectSameAst(R"({a="b"} | a="x", b="y" or c="z")", R"({a="b"} | a="x" and b="y" or c="z")");
}

TEST(ParserLabelFilterTest, ParenthesesGroup) {
  LabelFilterExpr f = LabelFilterOf(R"((a="x" or b="y") and c="z")");
  EXPECT_EQ(f.kind, Kind::kAnd);
  ASSERT_EQ(f.children.size(), 2u);
  const LabelFilterExpr& either = f.children[0];
  EXPECT_EQ(either.kind, Kind::kOr);
  ASSERT_EQ(either.children.size(), 2u);
  ExpectStringLeaf(either.children[0], MatchType::kEqual, "a", "x");
  ExpectStringLeaf(either.children[1], MatchType::kEqual, "b", "y");
  ExpectStringLeaf(f.children[1], MatchType::kEqual, "c", "z");
}

// Groups nested to the right keep their parentheses when printed: the tree
// of `a or (b or c)` is not the one `a or b or c` parses to.
TEST(ParserLabelFilterTest, RightNestedGroupsRoundTrip) {
  const char* queries[] = {
      R"({a="b"} | a="x" or (b="y" or c="z"))",
      R"({a="b"} | a="x" and (b="y" and c="z"))",
      R"({a="b"} | a="x", (b="y", c="z"))",
      R"({a="b"} | (a="x" or b="y") and (c="z" and d="w"))",
      R"(count_over_time({a="b"} | a="x" or (b="y" or c="z") [1m]))",
  };
  for (const char* q : queries) {
    Expr expr = MustParse(q);
    ExpectRoundTrip(q, expr);
  }
}

TEST(ParserLabelFilterTest, StringMatchersAreAnchored) {
  ExpectStringLeaf(LabelFilterOf(R"(a="x")"), MatchType::kEqual, "a", "x");
  ExpectStringLeaf(LabelFilterOf(R"(a != "x")"), MatchType::kNotEqual, "a", "x");
  ExpectStringLeaf(LabelFilterOf(R"(a!~"x|y")"), MatchType::kRegexNoMatch, "a", "x|y");
  LabelFilterExpr re = LabelFilterOf(R"(a=~"x.*")");
  ExpectStringLeaf(re, MatchType::kRegexMatch, "a", "x.*");
  ASSERT_TRUE(re.matcher.has_value());
  EXPECT_TRUE(re.matcher->Matches("xyz"));
  EXPECT_FALSE(re.matcher->Matches("axyz"));
}

TEST(ParserLabelFilterTest, NumberComparisons) {
  struct Case {
    const char* filter;
    CompareOp op;
    double number;
    const char* literal;
  };
  const Case cases[] = {
      {"x > 1.5", CompareOp::kGt, 1.5, "1.5"}, {"x>=400", CompareOp::kGte, 400, "400"},
      {"x < 2", CompareOp::kLt, 2, "2"},       {"x <= 0.5", CompareOp::kLte, 0.5, "0.5"},
      {"x != 3", CompareOp::kNeq, 3, "3"},     {"x == 200", CompareOp::kEq, 200, "200"},
      {"x = 200", CompareOp::kEq, 200, "200"},
  };
  for (const Case& c : cases) {
    LabelFilterExpr f = LabelFilterOf(c.filter);
    EXPECT_EQ(f.kind, Kind::kNumber) << c.filter;
    EXPECT_EQ(f.name, "x") << c.filter;
    EXPECT_EQ(f.op, c.op) << c.filter;
    EXPECT_EQ(f.number, c.number) << c.filter;
    EXPECT_EQ(f.literal, c.literal) << c.filter;
    EXPECT_FALSE(f.matcher.has_value()) << c.filter;
  }
  // `=` and `==` on a number are the same filter.
  ExpectSameAst(R"({a="b"} | x = 200)", R"({a="b"} | x == 200)");
}

TEST(ParserLabelFilterTest, DurationsAreNanoseconds) {
  LabelFilterExpr f = LabelFilterOf("d > 1m30s");
  EXPECT_EQ(f.kind, Kind::kDuration);
  EXPECT_EQ(f.name, "d");
  EXPECT_EQ(f.op, CompareOp::kGt);
  EXPECT_EQ(f.integer, 90 * kSecond);
  EXPECT_EQ(f.literal, "1m30s");

  EXPECT_EQ(LabelFilterOf("d <= 250ms").integer, 250'000'000);
  EXPECT_EQ(LabelFilterOf("d >= 1.5s").integer, 1'500'000'000);
  // Decimal fractions are exact, as with Go's time.ParseDuration.
  LabelFilterExpr long_one = LabelFilterOf("latency > 1h15m30.9s");
  EXPECT_EQ(long_one.kind, Kind::kDuration);
  EXPECT_EQ(long_one.integer, int64_t{4'530'900'000'000});
  EXPECT_EQ(long_one.literal, "1h15m30.9s");
}

TEST(ParserLabelFilterTest, ByteSizesAreBytes) {
  LabelFilterExpr f = LabelFilterOf("size > 10KiB");
  EXPECT_EQ(f.kind, Kind::kBytes);
  EXPECT_EQ(f.name, "size");
  EXPECT_EQ(f.op, CompareOp::kGt);
  EXPECT_EQ(f.integer, 10240);
  EXPECT_EQ(f.literal, "10KiB");

  EXPECT_EQ(LabelFilterOf("size <= 5MiB").integer, 5 * 1024 * 1024);
  EXPECT_EQ(LabelFilterOf("size < 2KB").integer, 2000);  // SI units are powers of 1000
}

TEST(ParserLabelFilterTest, IpFilters) {
  LabelFilterExpr eq = LabelFilterOf(R"(addr = ip("1.2.3.4"))");
  EXPECT_EQ(eq.kind, Kind::kIp);
  EXPECT_EQ(eq.name, "addr");
  EXPECT_EQ(eq.op, CompareOp::kEq);
  EXPECT_EQ(eq.text, "1.2.3.4");

  LabelFilterExpr neq = LabelFilterOf(R"(addr != ip("10.0.0.0/8"))");
  EXPECT_EQ(neq.kind, Kind::kIp);
  EXPECT_EQ(neq.op, CompareOp::kNeq);
  EXPECT_EQ(neq.text, "10.0.0.0/8");
}

}  // namespace
}  // namespace lode::logql
