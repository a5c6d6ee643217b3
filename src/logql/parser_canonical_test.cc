// Tests of the printer's canonical form of every LogQL construct.
#include <gtest/gtest.h>

#include "logql/parser.h"
#include "logql/parser_test_helpers.h"

namespace lode::logql {
namespace {

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

}  // namespace
}  // namespace lode::logql
