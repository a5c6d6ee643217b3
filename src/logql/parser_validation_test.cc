// Tests of the parser's semantic checks: what Loki refuses is a parse
// error worded as Loki words it, and each rule's valid neighbours parse.
#include <gtest/gtest.h>

#include <string>

#include "logql/parser.h"
#include "logql/parser_test_helpers.h"

namespace lode::logql {
namespace {

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

}  // namespace
}  // namespace lode::logql
