// Tests of the full LogQL grammar: log pipelines, metric expressions, the
// printer's canonical form and the parser's semantic checks.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "logql/parser.h"
#include "logql/printer.h"

namespace lode::logql {
namespace {

using Op = LineFilter::Op;
using Kind = LabelFilterExpr::Kind;
using Names = std::vector<std::string>;

constexpr int64_t kSecond = 1'000'000'000;

Expr MustParse(std::string_view query) {
  Result<Expr> expr = ParseQuery(query);
  EXPECT_TRUE(expr.ok()) << query << " -> " << expr.status().ToString();
  return expr.ok() ? std::move(expr).value() : Expr{};
}

std::string ParseErrorOf(std::string_view query) {
  Result<Expr> expr = ParseQuery(query);
  EXPECT_FALSE(expr.ok()) << query << " parsed as " << (expr.ok() ? Print(*expr) : "");
  if (expr.ok()) return "";
  EXPECT_EQ(expr.status().code(), StatusCode::kInvalidArgument) << query;
  return expr.status().message();
}

// The node of type T that `query` parses to; a default T (and a failure)
// when it parses to something else or not at all.
template <typename T>
T ParseAs(std::string_view query) {
  Result<Expr> expr = ParseQuery(query);
  EXPECT_TRUE(expr.ok()) << query << " -> " << expr.status().ToString();
  if (!expr.ok()) return T{};
  const T* node = std::get_if<T>(&expr->node);
  EXPECT_NE(node, nullptr) << query << " parsed as " << Print(*expr);
  return node != nullptr ? *node : T{};
}

// The node of type T held by a child, or null.
template <typename T>
const T* NodeOf(const ExprPtr& expr) {
  return expr != nullptr ? std::get_if<T>(&expr->node) : nullptr;
}

// True when `node` is what `query` parses to on its own.
bool Is(const ExprPtr& node, std::string_view query) {
  return node != nullptr && *node == MustParse(query);
}

LineFilter MakeLineFilter(LineFilter::Op op, std::vector<std::string> values, bool ip = false) {
  LineFilter filter;
  filter.op = op;
  filter.values = std::move(values);
  if (ip) filter.ip.assign(filter.values.size(), true);
  return filter;
}

LabelParser MakeLabelParser(LabelParser::Kind kind, std::string param = "") {
  LabelParser parser;
  parser.kind = kind;
  parser.param = std::move(param);
  return parser;
}

std::vector<Stage> PipelineOf(std::string_view query) {
  return ParseAs<LogSelectorExpr>(query).pipeline;
}

// The one stage of `{a="b"} | <filter>`, which must be a label filter.
LabelFilterExpr LabelFilterOf(std::string_view filter) {
  const std::string query = R"({a="b"} | )" + std::string(filter);
  std::vector<Stage> stages = PipelineOf(query);
  EXPECT_EQ(stages.size(), 1u) << query;
  const LabelFilterExpr* f = stages.empty() ? nullptr : std::get_if<LabelFilterExpr>(&stages[0]);
  EXPECT_NE(f, nullptr) << query;
  return f != nullptr ? *f : LabelFilterExpr{};
}

void ExpectMatcher(const Matcher& m, MatchType type, std::string_view name,
                   std::string_view value) {
  EXPECT_EQ(m.type(), type);
  EXPECT_EQ(m.name(), name);
  EXPECT_EQ(m.value(), value);
}

void ExpectStringLeaf(const LabelFilterExpr& f, MatchType type, std::string_view name,
                      std::string_view value) {
  EXPECT_EQ(f.kind, Kind::kString) << name;
  EXPECT_EQ(f.name, name);
  EXPECT_TRUE(f.children.empty()) << name;
  ASSERT_TRUE(f.matcher.has_value()) << name;
  ExpectMatcher(*f.matcher, type, name, value);
}

// Print(Parse(q)) is `canonical`, and parsing that gives the same AST.
void ExpectCanonical(std::string_view query, std::string_view canonical) {
  Expr expr = MustParse(query);
  std::string printed = Print(expr);
  EXPECT_EQ(printed, canonical) << query;
  Result<Expr> again = ParseQuery(canonical);
  ASSERT_TRUE(again.ok()) << canonical << " -> " << again.status().ToString();
  EXPECT_TRUE(*again == expr) << query << " and " << canonical << " differ";
  EXPECT_EQ(Print(*again), canonical);
}

// Printing `expr` and parsing the text gives `expr` back, and prints the same.
void ExpectRoundTrip(std::string_view input, const Expr& expr) {
  std::string printed = Print(expr);
  Result<Expr> again = ParseQuery(printed);
  ASSERT_TRUE(again.ok()) << "input " << input << " printed " << printed << " -> "
                          << again.status().ToString();
  EXPECT_TRUE(*again == expr) << "input " << input << " printed " << printed << " reprinted "
                              << Print(*again);
  EXPECT_EQ(Print(*again), printed) << input;
}

void ExpectSameAst(std::string_view a, std::string_view b) {
  Expr x = MustParse(a);
  Expr y = MustParse(b);
  EXPECT_TRUE(x == y) << a << " printed " << Print(x) << "\n" << b << " printed " << Print(y);
}

constexpr std::string_view kEmptyCompatible =
    "parse error : queries require at least one regexp or equality matcher that does not have "
    "an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but "
    "app=~\".+\" will";

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

// ---- Range aggregations ---------------------------------------------------

TEST(ParserMetricTest, RangeAggregationOfAPipeline) {
  RangeAggregation agg = ParseAs<RangeAggregation>(R"(count_over_time({a="b"} |= "x" [5m]))");
  EXPECT_EQ(agg.op, RangeOp::kCountOverTime);
  ASSERT_EQ(agg.range.selector.matchers.size(), 1u);
  ExpectMatcher(agg.range.selector.matchers[0], MatchType::kEqual, "a", "b");
  ASSERT_EQ(agg.range.selector.pipeline.size(), 1u);
  EXPECT_TRUE(agg.range.selector.pipeline[0] == Stage(MakeLineFilter(Op::kContains, {"x"})));
  EXPECT_EQ(agg.range.range_ns, 300 * kSecond);
  EXPECT_EQ(agg.range.range_literal, "5m");
  EXPECT_EQ(agg.range.offset_ns, 0);
  EXPECT_TRUE(agg.range.offset_literal.empty());
  EXPECT_FALSE(agg.range.unwrap.has_value());
  EXPECT_FALSE(agg.param.has_value());
  EXPECT_FALSE(agg.grouping.has_value());
}

TEST(ParserMetricTest, RangeAndOffset) {
  RangeAggregation agg = ParseAs<RangeAggregation>(R"(rate({a="b"} |= "x" [5m] offset 1h))");
  EXPECT_EQ(agg.op, RangeOp::kRate);
  EXPECT_EQ(agg.range.range_ns, 300 * kSecond);
  EXPECT_EQ(agg.range.offset_ns, 3600 * kSecond);
  EXPECT_EQ(agg.range.offset_literal, "1h");

  RangeAggregation longer = ParseAs<RangeAggregation>(R"(count_over_time({a="b"}[1h30m]))");
  EXPECT_EQ(longer.range.range_ns, 5400 * kSecond);
  EXPECT_EQ(longer.range.range_literal, "1h30m");
  EXPECT_EQ(ParseAs<RangeAggregation>(R"(rate({a="b"}[250ms]))").range.range_ns, 250'000'000);
}

TEST(ParserMetricTest, RangeFirstFormIsTheSameAst) {
  ExpectSameAst(R"(count_over_time({a="b"}[5m] |= "x"))",
                R"(count_over_time({a="b"} |= "x" [5m]))");
  ExpectSameAst(R"(count_over_time({a="b"}[5m] |= "x" | json | level="error"))",
                R"(count_over_time({a="b"} |= "x" | json | level="error" [5m]))");
}

TEST(ParserMetricTest, EveryRangeOperation) {
  struct Case {
    const char* query;
    RangeOp op;
  };
  const Case cases[] = {
      {R"(count_over_time({a="b"}[1m]))", RangeOp::kCountOverTime},
      {R"(rate({a="b"}[1m]))", RangeOp::kRate},
      {R"(rate_counter({a="b"} | unwrap x [1m]))", RangeOp::kRateCounter},
      {R"(bytes_over_time({a="b"}[1m]))", RangeOp::kBytesOverTime},
      {R"(bytes_rate({a="b"}[1m]))", RangeOp::kBytesRate},
      {R"(avg_over_time({a="b"} | unwrap x [1m]))", RangeOp::kAvgOverTime},
      {R"(sum_over_time({a="b"} | unwrap x [1m]))", RangeOp::kSumOverTime},
      {R"(min_over_time({a="b"} | unwrap x [1m]))", RangeOp::kMinOverTime},
      {R"(max_over_time({a="b"} | unwrap x [1m]))", RangeOp::kMaxOverTime},
      {R"(stddev_over_time({a="b"} | unwrap x [1m]))", RangeOp::kStddevOverTime},
      {R"(stdvar_over_time({a="b"} | unwrap x [1m]))", RangeOp::kStdvarOverTime},
      {R"(quantile_over_time(0.5, {a="b"} | unwrap x [1m]))", RangeOp::kQuantileOverTime},
      {R"(first_over_time({a="b"} | unwrap x [1m]))", RangeOp::kFirstOverTime},
      {R"(last_over_time({a="b"} | unwrap x [1m]))", RangeOp::kLastOverTime},
      {R"(absent_over_time({a="b"}[1m]))", RangeOp::kAbsentOverTime},
  };
  for (const Case& c : cases) {
    Expr expr = MustParse(c.query);
    const RangeAggregation* agg = std::get_if<RangeAggregation>(&expr.node);
    ASSERT_NE(agg, nullptr) << c.query;
    EXPECT_EQ(agg->op, c.op) << c.query;
    EXPECT_EQ(agg->param.has_value(), c.op == RangeOp::kQuantileOverTime) << c.query;
    const bool unwrap = std::string_view(c.query).find("unwrap") != std::string_view::npos;
    EXPECT_EQ(agg->range.unwrap.has_value(), unwrap) << c.query;
    EXPECT_TRUE(agg->range.selector.pipeline.empty()) << c.query;  // unwrap is not a stage
    ExpectRoundTrip(c.query, expr);
  }
}

TEST(ParserMetricTest, UnwrapConversions) {
  struct Case {
    const char* unwrap;
    Unwrap::Conversion conversion;
    const char* label;
  };
  const Case cases[] = {
      {"latency", Unwrap::Conversion::kNone, "latency"},
      {"duration(latency)", Unwrap::Conversion::kDuration, "latency"},
      {"duration_seconds(latency)", Unwrap::Conversion::kDurationSeconds, "latency"},
      {"bytes(size)", Unwrap::Conversion::kBytes, "size"},
  };
  for (const Case& c : cases) {
    const std::string query =
        std::string(R"(sum_over_time({a="b"} | json | unwrap )") + c.unwrap + " [5m])";
    RangeAggregation agg = ParseAs<RangeAggregation>(query);
    ASSERT_TRUE(agg.range.unwrap.has_value()) << query;
    EXPECT_EQ(agg.range.unwrap->conversion, c.conversion) << query;
    EXPECT_EQ(agg.range.unwrap->label, c.label) << query;
    EXPECT_TRUE(agg.range.unwrap->post_filters.empty()) << query;
    ASSERT_EQ(agg.range.selector.pipeline.size(), 1u) << query;
    EXPECT_TRUE(std::holds_alternative<LabelParser>(agg.range.selector.pipeline[0])) << query;
  }
}

TEST(ParserMetricTest, UnwrapPostFiltersAndGrouping) {
  RangeAggregation agg = ParseAs<RangeAggregation>(
      R"(avg_over_time({a="b"} | unwrap latency | __error__="" | latency > 1s [1m]) by (host))");
  EXPECT_EQ(agg.op, RangeOp::kAvgOverTime);
  EXPECT_TRUE(agg.range.selector.pipeline.empty());
  ASSERT_TRUE(agg.range.unwrap.has_value());
  EXPECT_EQ(agg.range.unwrap->label, "latency");
  ASSERT_EQ(agg.range.unwrap->post_filters.size(), 2u);
  ExpectStringLeaf(agg.range.unwrap->post_filters[0], MatchType::kEqual, "__error__", "");
  EXPECT_EQ(agg.range.unwrap->post_filters[1].kind, Kind::kDuration);
  EXPECT_EQ(agg.range.unwrap->post_filters[1].integer, kSecond);
  ASSERT_TRUE(agg.grouping.has_value());
  EXPECT_FALSE(agg.grouping->without);
  EXPECT_EQ(agg.grouping->labels, (Names{"host"}));
}

TEST(ParserMetricTest, QuantileParameter) {
  RangeAggregation agg =
      ParseAs<RangeAggregation>(R"(quantile_over_time(0.9, {a="b"} | unwrap x [5m]) by (a, c))");
  EXPECT_EQ(agg.op, RangeOp::kQuantileOverTime);
  ASSERT_TRUE(agg.param.has_value());
  EXPECT_DOUBLE_EQ(*agg.param, 0.9);
  ASSERT_TRUE(agg.grouping.has_value());
  EXPECT_EQ(agg.grouping->labels, (Names{"a", "c"}));
}

TEST(ParserMetricTest, GroupingAllowedOnUnwrappedAggregations) {
  const char* queries[] = {
      R"(avg_over_time({a="b"} | unwrap x [1m]) by (h))",
      R"(min_over_time({a="b"} | unwrap x [1m]) by (h))",
      R"(max_over_time({a="b"} | unwrap x [1m]) without (h))",
      R"(stddev_over_time({a="b"} | unwrap x [1m]) by (h))",
      R"(stdvar_over_time({a="b"} | unwrap x [1m]) by (h))",
      R"(quantile_over_time(0.5, {a="b"} | unwrap x [1m]) by (h))",
      R"(first_over_time({a="b"} | unwrap x [1m]) by (h))",
      R"(last_over_time({a="b"} | unwrap x [1m]) by (h))",
  };
  for (const char* q : queries) {
    RangeAggregation agg = ParseAs<RangeAggregation>(q);
    ASSERT_TRUE(agg.grouping.has_value()) << q;
    EXPECT_EQ(agg.grouping->labels, (Names{"h"})) << q;
  }
}

// ---- Vector aggregations --------------------------------------------------

TEST(ParserMetricTest, VectorAggregationGrouping) {
  VectorAggregation trailing = ParseAs<VectorAggregation>(R"(sum(rate({a="b"}[1m])) by (x))");
  EXPECT_EQ(trailing.op, VectorOp::kSum);
  ASSERT_TRUE(trailing.grouping.has_value());
  EXPECT_FALSE(trailing.grouping->without);
  EXPECT_EQ(trailing.grouping->labels, (Names{"x"}));
  const RangeAggregation* inner = NodeOf<RangeAggregation>(trailing.inner);
  ASSERT_NE(inner, nullptr);
  EXPECT_EQ(inner->op, RangeOp::kRate);
  ExpectSameAst(R"(sum(rate({a="b"}[1m])) by (x))", R"(sum by (x) (rate({a="b"}[1m])))");

  VectorAggregation without =
      ParseAs<VectorAggregation>(R"(sum without (a, b) (rate({a="b"}[1m])))");
  ASSERT_TRUE(without.grouping.has_value());
  EXPECT_TRUE(without.grouping->without);
  EXPECT_EQ(without.grouping->labels, (Names{"a", "b"}));

  VectorAggregation none = ParseAs<VectorAggregation>(R"(sum(rate({a="b"}[1m])))");
  EXPECT_FALSE(none.grouping.has_value());

  VectorAggregation empty = ParseAs<VectorAggregation>(R"(sum by () (rate({a="b"}[1m])))");
  ASSERT_TRUE(empty.grouping.has_value());
  EXPECT_FALSE(empty.grouping->without);
  EXPECT_TRUE(empty.grouping->labels.empty());
}

TEST(ParserMetricTest, EveryVectorOperation) {
  struct Case {
    const char* query;
    VectorOp op;
    int64_t param;
  };
  const Case cases[] = {
      {R"(sum(rate({a="b"}[1m])))", VectorOp::kSum, 0},
      {R"(avg(rate({a="b"}[1m])))", VectorOp::kAvg, 0},
      {R"(min(rate({a="b"}[1m])))", VectorOp::kMin, 0},
      {R"(max(rate({a="b"}[1m])))", VectorOp::kMax, 0},
      {R"(count(rate({a="b"}[1m])))", VectorOp::kCount, 0},
      {R"(stddev(rate({a="b"}[1m])))", VectorOp::kStddev, 0},
      {R"(stdvar(rate({a="b"}[1m])))", VectorOp::kStdvar, 0},
      {R"(topk(5, rate({a="b"}[1m])))", VectorOp::kTopk, 5},
      {R"(bottomk(3, rate({a="b"}[1m])))", VectorOp::kBottomk, 3},
      {R"(sort(rate({a="b"}[1m])))", VectorOp::kSort, 0},
      {R"(sort_desc(rate({a="b"}[1m])))", VectorOp::kSortDesc, 0},
      {R"(approx_topk(4, rate({a="b"}[1m])))", VectorOp::kApproxTopk, 4},
  };
  for (const Case& c : cases) {
    Expr expr = MustParse(c.query);
    const VectorAggregation* agg = std::get_if<VectorAggregation>(&expr.node);
    ASSERT_NE(agg, nullptr) << c.query;
    EXPECT_EQ(agg->op, c.op) << c.query;
    EXPECT_EQ(agg->param, c.param) << c.query;
    EXPECT_FALSE(agg->grouping.has_value()) << c.query;
    EXPECT_TRUE(Is(agg->inner, R"(rate({a="b"}[1m]))")) << c.query;
    ExpectRoundTrip(c.query, expr);
  }
}

TEST(ParserMetricTest, TopkWithGroupingInEitherPlace) {
  VectorAggregation agg = ParseAs<VectorAggregation>(R"(topk by (a) (5, rate({a="b"}[1m])))");
  EXPECT_EQ(agg.op, VectorOp::kTopk);
  EXPECT_EQ(agg.param, 5);
  ASSERT_TRUE(agg.grouping.has_value());
  EXPECT_EQ(agg.grouping->labels, (Names{"a"}));
  ExpectSameAst(R"(topk by (a) (5, rate({a="b"}[1m])))", R"(topk(5, rate({a="b"}[1m])) by (a))");
}

TEST(ParserMetricTest, NestedAggregations) {
  VectorAggregation outer = ParseAs<VectorAggregation>(
      R"(max by (a) (sum by (a, b) (count_over_time({a="b"} | json [5m]))))");
  EXPECT_EQ(outer.op, VectorOp::kMax);
  const VectorAggregation* inner = NodeOf<VectorAggregation>(outer.inner);
  ASSERT_NE(inner, nullptr);
  EXPECT_EQ(inner->op, VectorOp::kSum);
  ASSERT_TRUE(inner->grouping.has_value());
  EXPECT_EQ(inner->grouping->labels, (Names{"a", "b"}));
  const RangeAggregation* range = NodeOf<RangeAggregation>(inner->inner);
  ASSERT_NE(range, nullptr);
  EXPECT_EQ(range->op, RangeOp::kCountOverTime);
  EXPECT_EQ(range->range.selector.pipeline.size(), 1u);
}

// ---- Binary expressions and literals --------------------------------------

TEST(ParserBinaryTest, MultiplicationBindsTighterThanAddition) {
  BinaryExpr add = ParseAs<BinaryExpr>("1 + 2 * 3");
  EXPECT_EQ(add.op, BinaryOp::kAdd);
  EXPECT_FALSE(add.return_bool);
  EXPECT_FALSE(add.matching.has_value());
  EXPECT_TRUE(Is(add.lhs, "1"));
  const BinaryExpr* mul = NodeOf<BinaryExpr>(add.rhs);
  ASSERT_NE(mul, nullptr);
  EXPECT_EQ(mul->op, BinaryOp::kMul);
  EXPECT_TRUE(Is(mul->lhs, "2"));
  EXPECT_TRUE(Is(mul->rhs, "3"));

  BinaryExpr grouped = ParseAs<BinaryExpr>("(1 + 2) * 3");
  EXPECT_EQ(grouped.op, BinaryOp::kMul);
  const BinaryExpr* sum = NodeOf<BinaryExpr>(grouped.lhs);
  ASSERT_NE(sum, nullptr);
  EXPECT_EQ(sum->op, BinaryOp::kAdd);
  EXPECT_TRUE(Is(grouped.rhs, "3"));
}

TEST(ParserBinaryTest, LeftAssociativeOperators) {
  BinaryExpr sub = ParseAs<BinaryExpr>("1 - 2 - 3");
  EXPECT_EQ(sub.op, BinaryOp::kSub);
  EXPECT_TRUE(Is(sub.lhs, "1 - 2"));
  EXPECT_TRUE(Is(sub.rhs, "3"));

  BinaryExpr div = ParseAs<BinaryExpr>("8 / 4 % 3");
  EXPECT_EQ(div.op, BinaryOp::kMod);
  EXPECT_TRUE(Is(div.lhs, "8 / 4"));
}

TEST(ParserBinaryTest, PowerIsRightAssociative) {
  BinaryExpr pow = ParseAs<BinaryExpr>("2 ^ 3 ^ 2");
  EXPECT_EQ(pow.op, BinaryOp::kPow);
  EXPECT_TRUE(Is(pow.lhs, "2"));
  const BinaryExpr* inner = NodeOf<BinaryExpr>(pow.rhs);
  ASSERT_NE(inner, nullptr);
  EXPECT_EQ(inner->op, BinaryOp::kPow);
  EXPECT_TRUE(Is(inner->lhs, "3"));
  EXPECT_TRUE(Is(inner->rhs, "2"));

  BinaryExpr grouped = ParseAs<BinaryExpr>("(2 ^ 3) ^ 2");
  EXPECT_TRUE(Is(grouped.lhs, "2 ^ 3"));
  EXPECT_TRUE(Is(grouped.rhs, "2"));

  BinaryExpr mul = ParseAs<BinaryExpr>("2 * 3 ^ 2");
  EXPECT_EQ(mul.op, BinaryOp::kMul);
  EXPECT_TRUE(Is(mul.rhs, "3 ^ 2"));
}

TEST(ParserBinaryTest, ComparisonsBindLooserThanArithmetic) {
  BinaryExpr gt = ParseAs<BinaryExpr>(R"(rate({a="b"}[1m]) + 1 > 2 * 3)");
  EXPECT_EQ(gt.op, BinaryOp::kGt);
  EXPECT_FALSE(gt.return_bool);
  EXPECT_TRUE(Is(gt.lhs, R"(rate({a="b"}[1m]) + 1)"));
  EXPECT_TRUE(Is(gt.rhs, "2 * 3"));
}

TEST(ParserBinaryTest, SetOperatorPrecedence) {
  BinaryExpr either =
      ParseAs<BinaryExpr>(R"(rate({a="b"}[1m]) or rate({c="d"}[1m]) and rate({e="f"}[1m]))");
  EXPECT_EQ(either.op, BinaryOp::kOr);
  EXPECT_TRUE(Is(either.lhs, R"(rate({a="b"}[1m]))"));
  const BinaryExpr* both = NodeOf<BinaryExpr>(either.rhs);
  ASSERT_NE(both, nullptr);
  EXPECT_EQ(both->op, BinaryOp::kAnd);
  EXPECT_TRUE(Is(both->lhs, R"(rate({c="d"}[1m]))"));
  EXPECT_TRUE(Is(both->rhs, R"(rate({e="f"}[1m]))"));

  // and / unless share a level and associate to the left.
  BinaryExpr unless =
      ParseAs<BinaryExpr>(R"(rate({a="b"}[1m]) and rate({c="d"}[1m]) unless rate({e="f"}[1m]))");
  EXPECT_EQ(unless.op, BinaryOp::kUnless);
  EXPECT_TRUE(Is(unless.lhs, R"(rate({a="b"}[1m]) and rate({c="d"}[1m]))"));

  // Comparisons bind tighter than set operators.
  BinaryExpr filtered = ParseAs<BinaryExpr>(R"(rate({a="b"}[1m]) > 1 and rate({c="d"}[1m]))");
  EXPECT_EQ(filtered.op, BinaryOp::kAnd);
  EXPECT_TRUE(Is(filtered.lhs, R"(rate({a="b"}[1m]) > 1)"));
}

TEST(ParserBinaryTest, BoolModifier) {
  BinaryExpr gt = ParseAs<BinaryExpr>(R"(rate({a="b"}[1m]) > bool 1)");
  EXPECT_EQ(gt.op, BinaryOp::kGt);
  EXPECT_TRUE(gt.return_bool);
  EXPECT_FALSE(gt.matching.has_value());

  BinaryExpr scalars = ParseAs<BinaryExpr>("1 == bool 2");
  EXPECT_EQ(scalars.op, BinaryOp::kEq);
  EXPECT_TRUE(scalars.return_bool);

  EXPECT_FALSE(ParseAs<BinaryExpr>(R"(rate({a="b"}[1m]) >= 1)").return_bool);
}

TEST(ParserBinaryTest, VectorMatching) {
  BinaryExpr div =
      ParseAs<BinaryExpr>(R"(rate({a="b"}[1m]) / on(a) group_left(b) rate({c="d"}[1m]))");
  EXPECT_EQ(div.op, BinaryOp::kDiv);
  ASSERT_TRUE(div.matching.has_value());
  EXPECT_TRUE(div.matching->on);
  EXPECT_EQ(div.matching->labels, (Names{"a"}));
  EXPECT_EQ(div.matching->group, VectorMatching::Group::kLeft);
  EXPECT_EQ(div.matching->include, (Names{"b"}));

  BinaryExpr mul =
      ParseAs<BinaryExpr>(R"(rate({a="b"}[1m]) * ignoring(x, y) group_right(z) rate({c="d"}[1m]))");
  ASSERT_TRUE(mul.matching.has_value());
  EXPECT_FALSE(mul.matching->on);
  EXPECT_EQ(mul.matching->labels, (Names{"x", "y"}));
  EXPECT_EQ(mul.matching->group, VectorMatching::Group::kRight);
  EXPECT_EQ(mul.matching->include, (Names{"z"}));

  BinaryExpr plain = ParseAs<BinaryExpr>(R"(rate({a="b"}[1m]) - ignoring(x) rate({c="d"}[1m]))");
  ASSERT_TRUE(plain.matching.has_value());
  EXPECT_EQ(plain.matching->group, VectorMatching::Group::kNone);
  EXPECT_TRUE(plain.matching->include.empty());

  BinaryExpr cmp = ParseAs<BinaryExpr>(R"(rate({a="b"}[1m]) > bool on(a) rate({c="d"}[1m]))");
  EXPECT_TRUE(cmp.return_bool);
  ASSERT_TRUE(cmp.matching.has_value());
  EXPECT_TRUE(cmp.matching->on);
}

TEST(ParserBinaryTest, Literals) {
  EXPECT_EQ(ParseAs<NumberLiteral>("1").value, 1);
  EXPECT_EQ(ParseAs<NumberLiteral>("0.5").value, 0.5);
  EXPECT_EQ(ParseAs<NumberLiteral>("-1").value, -1);
  EXPECT_EQ(ParseAs<NumberLiteral>("(100)").value, 100);
  EXPECT_EQ(ParseAs<VectorLiteral>("vector(1)").value, 1);
  EXPECT_EQ(ParseAs<VectorLiteral>("vector(0.5)").value, 0.5);

  BinaryExpr sum = ParseAs<BinaryExpr>("vector(1)+vector(2)");
  EXPECT_EQ(sum.op, BinaryOp::kAdd);
  EXPECT_TRUE(Is(sum.lhs, "vector(1)"));
  EXPECT_TRUE(Is(sum.rhs, "vector(2)"));
}

TEST(ParserBinaryTest, LabelReplace) {
  LabelReplace replace =
      ParseAs<LabelReplace>(R"x(label_replace(rate({a="b"}[1m]), "dst", "$1", "src", "(.*)"))x");
  EXPECT_EQ(replace.dst, "dst");
  EXPECT_EQ(replace.replacement, "$1");
  EXPECT_EQ(replace.src, "src");
  EXPECT_EQ(replace.regex, "(.*)");
  EXPECT_TRUE(Is(replace.inner, R"(rate({a="b"}[1m]))"));
}

TEST(ParserBinaryTest, RedundantParenthesesLeaveNoTrace) {
  ExpectSameAst(R"((rate({a="b"}[1m])))", R"(rate({a="b"}[1m]))");
  ExpectSameAst(R"(sum(((rate({a="b"}[1m])))))", R"(sum(rate({a="b"}[1m])))");
  ExpectSameAst("((1 + (2 * 3)))", "1 + 2 * 3");
}

// ---- Canonical printing ---------------------------------------------------

TEST(ParserCanonicalTest, EveryConstruct) {
  struct Case {
    const char* query;
    const char* canonical;
  };
  const Case cases[] = {
      // Line filters.
      {R"({a="b"}|="x"or"y")", R"({a="b"} |= "x" or "y")"},
      {R"({a="b"} |= ip("10.0.0.0/8"))", R"({a="b"} |= ip("10.0.0.0/8"))"},
      {R"({a="b"}!=ip("1.2.3.4"))", R"({a="b"} != ip("1.2.3.4"))"},
      {R"({a="b"}|="x"or ip("1.2.3.4"))", R"({a="b"} |= "x" or ip("1.2.3.4"))"},
      {R"({a="b"} != ip("::1") or ip("10.0.0.0/8") or "c")",
       R"({a="b"} != ip("::1") or ip("10.0.0.0/8") or "c")"},
      {R"({a="b"}|>"<_> x <_>"!>"<_> y")", R"({a="b"} |> "<_> x <_>" !> "<_> y")"},
      // Label parsers.
      {R"({a="b"}|json)", R"({a="b"} | json)"},
      {R"({a="b"} | json a="x.y",b)", R"({a="b"} | json a="x.y", b)"},
      {R"({a="b"} | logfmt --strict --keep-empty a=`k`)",
       R"({a="b"} | logfmt --strict --keep-empty a="k")"},
      {R"({a="b"} | logfmt --keep-empty --strict)", R"({a="b"} | logfmt --strict --keep-empty)"},
      {R"({a="b"} | logfmt)", R"({a="b"} | logfmt)"},
      {R"x({a="b"} | regexp `(?P<a>\w+)`)x", R"x({a="b"} | regexp "(?P<a>\\w+)")x"},
      {R"({a="b"} | pattern `<a> <_>`)", R"({a="b"} | pattern "<a> <_>")"},
      {R"({a="b"}|unpack|decolorize)", R"({a="b"} | unpack | decolorize)"},
      // Formatting and label selection.
      {R"({a="b"} | line_format "{{.a}}")", R"({a="b"} | line_format "{{.a}}")"},
      {R"({a="b"} | line_format `{{.a}} "q"`)", R"({a="b"} | line_format "{{.a}} \"q\"")"},
      {R"({a="b"} | label_format a=b,c="{{.d}}")", R"({a="b"} | label_format a=b, c="{{.d}}")"},
      {R"({a="b"} | drop a,b="x")", R"({a="b"} | drop a, b="x")"},
      {R"({a="b"} | keep a)", R"({a="b"} | keep a)"},
      // Label filters.
      {R"({a="b"} | a = "x")", R"({a="b"} | a="x")"},
      {R"({a="b"} | status>=400)", R"({a="b"} | status >= 400)"},
      {R"({a="b"} | latency>1h15m30.9s)", R"({a="b"} | latency > 1h15m30.9s)"},
      {R"({a="b"} | size<=10KiB)", R"({a="b"} | size <= 10KiB)"},
      {R"({a="b"} | status=200)", R"({a="b"} | status == 200)"},
      {R"({a="b"} | addr=ip("1.2.3.4"))", R"({a="b"} | addr = ip("1.2.3.4"))"},
      {R"({a="b"} | a="x", b="y")", R"({a="b"} | a="x" and b="y")"},
      {R"({a="b"} | a="x" or b!~"y")", R"({a="b"} | a="x" or b!~"y")"},
      {R"({a="b"} | (a="x" or b="y"), c="z")", R"({a="b"} | (a="x" or b="y") and c="z")"},
      {R"({a="b"} | a="x" or (b="y" and c="z"))", R"({a="b"} | a="x" or b="y" and c="z")"},
      {R"({a="b"} |= "x" | json | level="error" | line_format "{{.msg}}")",
       R"({a="b"} |= "x" | json | level="error" | line_format "{{.msg}}")"},
      // Range aggregations.
      {R"(count_over_time({a="b"}|="x"[5m]))", R"(count_over_time({a="b"} |= "x"[5m]))"},
      {R"(count_over_time({a="b"}[5m] |= "x"))", R"(count_over_time({a="b"} |= "x"[5m]))"},
      {R"(rate({a="b"}[5m]offset 1h))", R"(rate({a="b"}[5m] offset 1h))"},
      {R"(count_over_time(({a="b"} | json)[5m]))", R"(count_over_time({a="b"} | json[5m]))"},
      {R"(sum_over_time({a="b"}|json|unwrap latency[5m]))",
       R"(sum_over_time({a="b"} | json | unwrap latency[5m]))"},
      {R"(avg_over_time({a="b"} | unwrap duration(latency) | __error__=""[1m]) by (host))",
       R"(avg_over_time({a="b"} | unwrap duration(latency) | __error__=""[1m]) by (host))"},
      {R"(quantile_over_time(0.99,{a="b"}|unwrap x[5m])by(a))",
       R"(quantile_over_time(0.99, {a="b"} | unwrap x[5m]) by (a))"},
      {R"(max_over_time({a="b"} | unwrap bytes(size)[1m]))",
       R"(max_over_time({a="b"} | unwrap bytes(size)[1m]))"},
      {R"(bytes_rate({a="b"}[30s]))", R"(bytes_rate({a="b"}[30s]))"},
      // Vector aggregations.
      {R"(sum by(a,b)(count_over_time({a="b"}[5m])))",
       R"(sum by (a, b) (count_over_time({a="b"}[5m])))"},
      {R"(sum(count_over_time({a="b"}[5m])) by (a))",
       R"(sum by (a) (count_over_time({a="b"}[5m])))"},
      {R"(sum without(a)(rate({a="b"}[1m])))", R"(sum without (a) (rate({a="b"}[1m])))"},
      {R"(sum ( rate({a="b"}[1m]) ))", R"(sum(rate({a="b"}[1m])))"},
      {R"(sum by()(rate({a="b"}[1m])))", R"(sum by () (rate({a="b"}[1m])))"},
      {R"(topk(5,rate({a="b"}[1m])))", R"(topk(5, rate({a="b"}[1m])))"},
      {R"(approx_topk(5,rate({a="b"}[1m])))", R"(approx_topk(5, rate({a="b"}[1m])))"},
      {R"(topk by(a)(5, rate({a="b"}[1m])))", R"(topk by (a) (5, rate({a="b"}[1m])))"},
      {R"(topk(5, rate({a="b"}[1m])) by (a))", R"(topk by (a) (5, rate({a="b"}[1m])))"},
      {R"(sort_desc(rate({a="b"}[1m])))", R"(sort_desc(rate({a="b"}[1m])))"},
      // Grafana's log volume query.
      {R"(sum by (level, detected_level) (count_over_time({app="x"} | drop __error__[1m])))",
       R"(sum by (level, detected_level) (count_over_time({app="x"} | drop __error__[1m])))"},
      // Binary expressions.
      {"vector(1)+vector(1)", "vector(1) + vector(1)"},
      {R"(rate({a="b"}[1m])>bool 1)", R"(rate({a="b"}[1m]) > bool 1)"},
      {R"(rate({a="b"}[1m]) / on(x) group_left(y) rate({c="d"}[1m]))",
       R"(rate({a="b"}[1m]) / on (x) group_left (y) rate({c="d"}[1m]))"},
      {R"(rate({a="b"}[1m]) * ignoring(x) rate({c="d"}[1m]))",
       R"(rate({a="b"}[1m]) * ignoring (x) rate({c="d"}[1m]))"},
      {"(1 + 2) * 3", "(1 + 2) * 3"},
      {"1 + (2 * 3)", "1 + 2 * 3"},
      {"2 ^ 3 ^ 2", "2 ^ 3 ^ 2"},
      {"(2 ^ 3) ^ 2", "(2 ^ 3) ^ 2"},
      {"1 - (2 - 3)", "1 - (2 - 3)"},
      {"(1 - 2) - 3", "1 - 2 - 3"},
      {R"(rate({a="b"}[1m]) or rate({c="d"}[1m]) and rate({e="f"}[1m]))",
       R"(rate({a="b"}[1m]) or rate({c="d"}[1m]) and rate({e="f"}[1m]))"},
      {R"((rate({a="b"}[1m]) or rate({c="d"}[1m])) and rate({e="f"}[1m]))",
       R"((rate({a="b"}[1m]) or rate({c="d"}[1m])) and rate({e="f"}[1m]))"},
      {R"(sum(rate({a="b"}[1m]))/sum(rate({c="d"}[1m]))*100)",
       R"(sum(rate({a="b"}[1m])) / sum(rate({c="d"}[1m])) * 100)"},
      {R"(2 * (rate({a="b"}[1m]) > bool 1))", R"(2 * (rate({a="b"}[1m]) > bool 1))"},
      {R"((rate({a="b"}[1m])))", R"(rate({a="b"}[1m]))"},
      // Literals and functions.
      {"((100))", "100"},
      {"0.5", "0.5"},
      {"-1", "-1"},
      {"vector(0.5)", "vector(0.5)"},
      {R"x(label_replace(rate({a="b"}[1m]),"dst","$1","src","(.*)"))x",
       R"x(label_replace(rate({a="b"}[1m]), "dst", "$1", "src", "(.*)"))x"},
  };
  for (const Case& c : cases) ExpectCanonical(c.query, c.canonical);
}

TEST(ParserCanonicalTest, MultilineMetricQueryWithComments) {
  ExpectCanonical(
      "sum by (level) (   # per level\n"
      "  count_over_time(\n"
      "    {app=\"x\"}\n"
      "      |= \"err\"  # errors only\n"
      "    [5m]\n"
      "  )\n"
      ")",
      R"(sum by (level) (count_over_time({app="x"} |= "err"[5m])))");
}

TEST(ParserCanonicalTest, KeywordsAreValidLabelNames) {
  ExpectCanonical(R"(sum by (rate, by) (count_over_time({sum="x", json="y"}[1m])))",
                  R"(sum by (rate, by) (count_over_time({sum="x", json="y"}[1m])))");
}

// ---- Validation -----------------------------------------------------------

TEST(ParserValidationTest, InvalidQueriesAreParseErrors) {
  const char* queries[] = {
      // Range aggregations.
      R"(sum_over_time({a="b"}[5m]))",                         // needs unwrap
      R"(rate_counter({a="b"}[5m]))",                          // needs unwrap
      R"(count_over_time({a="b"} | unwrap x [5m]))",           // unwrap not allowed
      R"(rate({a="b"}[5m]) by (x))",                           // no grouping for rate
      R"(count_over_time({a="b"}[5m]) by (x))",                // nor for count_over_time
      R"(sum_over_time({a="b"} | unwrap x [5m]) by (x))",      // nor for sum_over_time
      R"(count_over_time({a="b"}))",                           // no range
      R"(count_over_time({a="b"}[5m])",                        // unclosed
      R"(rate({a="b"}[5]))",                                   // the range is no duration
      R"(rate({a="b"}[1m] [1m]))",                             // two ranges
      R"(quantile_over_time({a="b"} | unwrap x [5m]))",        // no quantile
      R"(quantile_over_time(-0.5, {a="b"} | unwrap x [5m]))",  // the quantile has no sign
      R"(quantile_over_time(+0.5, {a="b"} | unwrap x [5m]))",
      R"(rate({a="b"} | unwrap x | json [1m]))",  // only label filters after unwrap
      R"(nosuch_over_time({a="b"}[1m]))",         // unknown function
      // Vector aggregations.
      R"(topk(0, rate({a="b"}[1m])))",    // k must be positive
      R"(topk(1.5, rate({a="b"}[1m])))",  // k must be an integer
      R"(topk(rate({a="b"}[1m])))",       // k is missing
      R"(approx_topk(0, rate({a="b"}[1m])))",
      R"(approx_topk(rate({a="b"}[1m])))",
      R"(approx_topk by (a) (1, rate({a="b"}[1m])))",  // no grouping
      R"(approx_topk(1, rate({a="b"}[1m])) by (a))",
      R"(sort by (a) (rate({a="b"}[1m])))",
      R"(sum by (a (rate({a="b"}[1m])))",
      R"(sum())",
      // Log queries where a metric is needed, and the reverse.
      R"({a="b"} | unwrap x)",
      R"({a="b"}[5m])",
      R"(sum({a="b"}))",
      R"({a="b"} + 1)",
      R"(1 + {a="b"})",
      // Label parsers and pattern filters.
      R"x({a="b"} | regexp "(\\w+)")x",  // no named group
      R"x({a="b"} | regexp "(?P<a>")x",  // bad regex
      R"({a="b"} | pattern "<a><b>")",   // consecutive captures
      R"({a="b"} | pattern "foo")",      // no capture
      R"({a="b"} |> "<a> x")",           // a pattern filter takes only <_>
      R"({a="b"} | logfmt --bogus)",
      // Label filters.
      R"({a="b"} | status == "x")",  // == compares numbers
      R"({a="b"} | a =~ "(")",       // bad regex
      // Binary expressions.
      "1 and 2",  // set operators need vectors on both sides
      "vector(1) and 1",
      R"(1 or rate({a="b"}[1m]))",
      "1 + bool 2",  // bool only with comparisons
      R"(rate({a="b"}[1m]) + bool rate({c="d"}[1m]))",
      R"(rate({a="b"}[1m]) and bool rate({c="d"}[1m]))",
      R"(rate({a="b"}[1m]) * group_left rate({c="d"}[1m]))",  // needs on or ignoring
      "1 +",
      "()",
      // Functions.
      "vector()",
      R"(vector("x"))",
      "vector(-1)",  // an unsigned number
      "vector(+1)",
      R"(label_replace(rate({a="b"}[1m]), "dst"))",
  };
  for (const char* q : queries) {
    std::string error = ParseErrorOf(q);
    EXPECT_EQ(error.rfind("parse error ", 0), 0u) << q << ": " << error;
  }
}

TEST(ParserValidationTest, RulesDoNotRejectTheirValidNeighbours) {
  const char* queries[] = {
      R"(sum_over_time({a="b"} | unwrap x [5m]))",
      R"(count_over_time({a="b"}[5m]))",
      R"(topk(1, rate({a="b"}[1m])))",
      R"(approx_topk(1, rate({a="b"}[1m])))",
      R"(sort(rate({a="b"}[1m])))",
      R"(quantile_over_time(1.5, {a="b"} | unwrap x [5m]))",
      "vector(1) - 1",
      R"x({a="b"} | regexp "(?P<a>\\w+) (\\d+)")x",
      R"({a="b"} | pattern "<a> <b>")",
      R"({a="b"} | pattern "<_> <b>")",
      R"({a="b"} |> "<_> x")",
      R"({a="b"} | status == 200)",
      R"x({a="b"} | a =~ "(x)")x",
      R"(vector(1) and vector(1))",
      R"(rate({a="b"}[1m]) unless rate({c="d"}[1m]))",
      "1 > bool 2",
      R"(rate({a="b"}[1m]) * on(a) group_left rate({c="d"}[1m]))",
  };
  for (const char* q : queries) {
    Expr expr = MustParse(q);
    ExpectRoundTrip(q, expr);
  }
}

TEST(ParserValidationTest, EmptyCompatibleSelectorsAreRejected) {
  EXPECT_EQ(ParseErrorOf(R"({a=~".*"})"), kEmptyCompatible);
  EXPECT_EQ(ParseErrorOf(R"({a=~".*"} | json | level="error")"), kEmptyCompatible);
  EXPECT_EQ(ParseErrorOf(R"(count_over_time({a=~".*"}[5m]))"), kEmptyCompatible);
  EXPECT_EQ(ParseErrorOf(R"(sum(rate({a=""}[1m])) + 1)"), kEmptyCompatible);
  MustParse(R"(count_over_time({a=~".+"}[5m]))");
}

// ---- Properties -----------------------------------------------------------

// Random pipelines, wrapped in random range and vector aggregations, parse;
// printing and parsing again gives the same AST. Deterministic so failures
// reproduce.
TEST(ParserPropertyTest, RandomPipelinesRoundTrip) {
  std::mt19937 rng(20240612);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  const std::vector<std::string> stages = {
      R"( |= "x")",
      R"( != "y" or "z")",
      R"( |~ "a+")",
      R"( !~ `b\d`)",
      R"( |> "<_> c <_>")",
      R"( |= ip("10.0.0.0/8"))",
      " | json",
      R"( | json a="x.y", b)",
      " | logfmt",
      " | logfmt --strict",
      R"( | logfmt --keep-empty k="v")",
      R"x( | regexp "(?P<r>\\w+)")x",
      R"( | pattern "<p> <_>")",
      " | unpack",
      R"( | line_format "{{.a}}")",
      R"( | label_format a=b, c="{{.d}}")",
      R"( | drop a, b=~"y.*")",
      R"( | keep a, b="x")",
      " | decolorize",
  };
  const std::vector<std::string> leaves = {R"(a="x")",      R"(b!="y")",
                                           R"(c=~"z.*")",   R"(d!~"w")",
                                           "status >= 400", "n == 2",
                                           "n = 3",         "lat > 1m30s",
                                           "size <= 10KiB", R"(addr = ip("1.2.3.4"))",
                                           "x < 1.5",       R"(addr != ip("10.0.0.0/8"))"};
  const std::vector<std::string> joiners = {" and ", ", ", " or "};
  std::function<std::string(int)> label_filter;
  label_filter = [&](int depth) -> std::string {
    if (depth == 0 || pick(3) == 0) return leaves[pick(leaves.size())];
    std::string lhs = label_filter(depth - 1);
    std::string rhs = label_filter(depth - 1);
    if (pick(2) == 0) lhs = "(" + lhs + ")";
    if (pick(2) == 0) rhs = "(" + rhs + ")";
    return lhs + joiners[pick(joiners.size())] + rhs;
  };
  auto pipeline = [&] {
    std::string out;
    for (size_t n = pick(6); n > 0; --n) {
      out += pick(3) == 0 ? " | " + label_filter(3) : stages[pick(stages.size())];
    }
    return out;
  };
  const std::string selector = R"({app="api"})";
  for (int i = 0; i < 300; ++i) {
    std::string query;
    switch (pick(6)) {
      case 0:
        query = selector + pipeline();
        break;
      case 1:
        query = "count_over_time(" + selector + pipeline() + " [1m])";
        break;
      case 2:  // range first
        query = "count_over_time(" + selector + "[1m]" + pipeline() + ")";
        break;
      case 3: {
        std::string post;
        for (size_t n = pick(3); n > 0; --n) post += " | " + label_filter(2);
        query = "sum_over_time(" + selector + pipeline() + " | unwrap lat" + post + " [5m])";
        break;
      }
      case 4:
        query = "sum by (a) (rate(" + selector + pipeline() + " [30s] offset 1h))";
        break;
      default:
        query = "quantile_over_time(0.5, " + selector + pipeline() +
                " | unwrap duration(lat) [5m]) by (b)";
        break;
    }
    Result<Expr> expr = ParseQuery(query);
    ASSERT_TRUE(expr.ok()) << query << " -> " << expr.status().ToString();
    ExpectRoundTrip(query, *expr);
  }
}

// A random binary expression over valid leaves: `strict` parenthesises every
// operand that is itself binary, so it is always valid; `loose` drops some of
// those parentheses, which regroups operands by precedence and so may give an
// invalid query (a set operator on a scalar, say).
struct GeneratedExpr {
  std::string strict;
  std::string loose;
  bool vector = false;
  bool binary = false;
};

class BinaryExprGenerator {
 public:
  explicit BinaryExprGenerator(uint32_t seed) : rng_(seed) {}

  GeneratedExpr Generate(int depth) {
    if (depth == 0 || Pick(4) == 0) return Leaf();
    GeneratedExpr lhs = Generate(depth - 1);
    GeneratedExpr rhs = Generate(depth - 1);
    const bool vectors = lhs.vector && rhs.vector;
    std::string op;
    std::string modifiers;
    switch (Pick(vectors ? 3 : 2)) {
      case 0:
        op = kArithmetic[Pick(std::size(kArithmetic))];
        if (vectors) modifiers = Matching(/*allow_group=*/true);
        break;
      case 1:
        op = kComparison[Pick(std::size(kComparison))];
        // Two scalars compare only with bool.
        if ((!lhs.vector && !rhs.vector) || Pick(2) == 0) modifiers = " bool";
        if (vectors) modifiers += Matching(/*allow_group=*/true);
        break;
      default:
        op = kSet[Pick(std::size(kSet))];
        modifiers = Matching(/*allow_group=*/false);
        break;
    }
    GeneratedExpr out;
    out.vector = lhs.vector || rhs.vector;
    out.binary = true;
    out.strict = Operand(lhs.strict, lhs.binary) + " " + op + modifiers + " " +
                 Operand(rhs.strict, rhs.binary);
    out.loose = Operand(lhs.loose, lhs.binary && Pick(2) == 0) + " " + op + modifiers + " " +
                Operand(rhs.loose, rhs.binary && Pick(2) == 0);
    return out;
  }

 private:
  static constexpr const char* kArithmetic[] = {"+", "-", "*", "/", "%", "^"};
  static constexpr const char* kComparison[] = {"==", "!=", ">", ">=", "<", "<="};
  static constexpr const char* kSet[] = {"and", "or", "unless"};
  static constexpr const char* kScalars[] = {"1", "2", "0.5", "100"};
  static constexpr const char* kVectors[] = {
      R"(rate({a="b"}[1m]))",
      "vector(1)",
      R"(sum by (x) (count_over_time({c="d"} |= "e" [5m])))",
      R"(topk(2, bytes_rate({f="g"}[30s])))",
      R"(avg_over_time({h="i"} | unwrap lat [1m]) by (j))",
  };

  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  GeneratedExpr Leaf() {
    GeneratedExpr out;
    out.vector = Pick(2) == 0;
    out.strict =
        out.vector ? kVectors[Pick(std::size(kVectors))] : kScalars[Pick(std::size(kScalars))];
    out.loose = out.strict;
    return out;
  }

  std::string Matching(bool allow_group) {
    std::string out;
    switch (Pick(4)) {
      case 0:
        return "";
      case 1:
        out = " on (a)";
        break;
      case 2:
        out = " ignoring (b)";
        break;
      default:
        out = " on (a, b)";
        break;
    }
    if (allow_group && Pick(3) == 0) out += Pick(2) == 0 ? " group_left (c)" : " group_right (c)";
    return out;
  }

  static std::string Operand(const std::string& text, bool parenthesise) {
    return parenthesise ? "(" + text + ")" : text;
  }

  std::mt19937 rng_;
};

TEST(ParserPropertyTest, RandomBinaryExpressionsRoundTrip) {
  BinaryExprGenerator generator(20240613);
  int loose_accepted = 0;
  for (int i = 0; i < 300; ++i) {
    GeneratedExpr gen = generator.Generate(1 + i % 4);
    Result<Expr> strict = ParseQuery(gen.strict);
    ASSERT_TRUE(strict.ok()) << gen.strict << " -> " << strict.status().ToString();
    ExpectRoundTrip(gen.strict, *strict);

    Result<Expr> loose = ParseQuery(gen.loose);
    if (!loose.ok()) {
      EXPECT_EQ(loose.status().code(), StatusCode::kInvalidArgument) << gen.loose;
      EXPECT_EQ(loose.status().message().rfind("parse error ", 0), 0u)
          << gen.loose << ": " << loose.status().message();
      continue;
    }
    ++loose_accepted;
    ExpectRoundTrip(gen.loose, *loose);
  }
  EXPECT_GT(loose_accepted, 0);
}

// Whatever the input, the parser returns; when it accepts, the printer
// round-trips.
TEST(ParserPropertyTest, MetricGarbageNeverCrashes) {
  std::mt19937 rng(20240614);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  std::vector<std::string> pieces = {
      "(", ")", "[", "]", ",", " ", "\n",  "#",  "|",    "=",     "|=",    "==",  ">",
      "-", "+", "*", "/", "^", "1", "0.5", "1h", "[5m]", "10KiB", "\"x\"", "`y`", "{a=\"b\"}"};
  std::istringstream words(
      "bool and or unless on ignoring group_left by without sum topk rate count_over_time "
      "sum_over_time quantile_over_time vector label_replace unwrap duration json logfmt "
      "--strict offset ip x");
  for (std::string word; words >> word;) pieces.push_back(word);
  for (int i = 0; i < 600; ++i) {
    std::string input;
    if (i % 2 == 0) input = R"(sum(rate({app="api"}[1m])) )";
    for (size_t j = pick(20); j > 0; --j) input += pieces[pick(pieces.size())];
    Result<Expr> expr = ParseQuery(input);
    if (!expr.ok()) {
      EXPECT_EQ(expr.status().code(), StatusCode::kInvalidArgument) << input;
      EXPECT_EQ(expr.status().message().rfind("parse error ", 0), 0u) << expr.status().message();
      continue;
    }
    ExpectRoundTrip(input, *expr);
  }
}

}  // namespace
}  // namespace lode::logql
