// Tests of LogQL aggregations: range aggregations over log ranges (with
// offsets, unwrap and its conversions, parameters and grouping) and vector
// aggregations.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "logql/parser.h"
#include "logql/parser_test_helpers.h"

namespace lode::logql {
namespace {

using Op = LineFilter::Op;
using Kind = LabelFilterExpr::Kind;
using Names = std::vector<std::string>;

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

}  // namespace
}  // namespace lode::logql
