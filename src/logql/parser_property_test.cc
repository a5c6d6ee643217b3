// Property tests of the LogQL grammar: random pipelines, aggregations and
// binary expressions round-trip through the printer, and garbage input
// never crashes the parser.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "logql/parser.h"
#include "logql/parser_test_helpers.h"

namespace lode::logql {
namespace {

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
