// What the LogQL grammar tests share (parser_pipeline_test.cc,
// parser_aggregation_test.cc, parser_binary_test.cc,
// parser_canonical_test.cc, parser_validation_test.cc,
// parser_property_test.cc): parsing a query into the node a test expects,
// its error message, and checks of the printer's canonical form and round
// trips.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "logql/parser.h"
#include "logql/printer.h"

namespace lode::logql {

inline constexpr int64_t kSecond = 1'000'000'000;

inline Expr MustParse(std::string_view query) {
  Result<Expr> expr = ParseQuery(query);
  EXPECT_TRUE(expr.ok()) << query << " -> " << expr.status().ToString();
  return expr.ok() ? std::move(expr).value() : Expr{};
}

inline std::string ParseErrorOf(std::string_view query) {
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
inline bool Is(const ExprPtr& node, std::string_view query) {
  return node != nullptr && *node == MustParse(query);
}

inline LineFilter MakeLineFilter(LineFilter::Op op, std::vector<std::string> values,
                                 bool ip = false) {
  LineFilter filter;
  filter.op = op;
  filter.values = std::move(values);
  if (ip) filter.ip.assign(filter.values.size(), true);
  return filter;
}

inline LabelParser MakeLabelParser(LabelParser::Kind kind, std::string param = "") {
  LabelParser parser;
  parser.kind = kind;
  parser.param = std::move(param);
  return parser;
}

inline std::vector<Stage> PipelineOf(std::string_view query) {
  return ParseAs<LogSelectorExpr>(query).pipeline;
}

// The one stage of `{a="b"} | <filter>`, which must be a label filter.
inline LabelFilterExpr LabelFilterOf(std::string_view filter) {
  const std::string query = R"({a="b"} | )" + std::string(filter);
  std::vector<Stage> stages = PipelineOf(query);
  EXPECT_EQ(stages.size(), 1u) << query;
  const LabelFilterExpr* f = stages.empty() ? nullptr : std::get_if<LabelFilterExpr>(&stages[0]);
  EXPECT_NE(f, nullptr) << query;
  return f != nullptr ? *f : LabelFilterExpr{};
}

inline void ExpectMatcher(const Matcher& m, MatchType type, std::string_view name,
                          std::string_view value) {
  EXPECT_EQ(m.type(), type);
  EXPECT_EQ(m.name(), name);
  EXPECT_EQ(m.value(), value);
}

inline void ExpectStringLeaf(const LabelFilterExpr& f, MatchType type, std::string_view name,
                             std::string_view value) {
  EXPECT_EQ(f.kind, LabelFilterExpr::Kind::kString) << name;
  EXPECT_EQ(f.name, name);
  EXPECT_TRUE(f.children.empty()) << name;
  ASSERT_TRUE(f.matcher.has_value()) << name;
  ExpectMatcher(*f.matcher, type, name, value);
}

// Print(Parse(q)) is `canonical`, and parsing that gives the same AST.
inline void ExpectCanonical(std::string_view query, std::string_view canonical) {
  Expr expr = MustParse(query);
  std::string printed = Print(expr);
  EXPECT_EQ(printed, canonical) << query;
  Result<Expr> again = ParseQuery(canonical);
  ASSERT_TRUE(again.ok()) << canonical << " -> " << again.status().ToString();
  EXPECT_TRUE(*again == expr) << query << " and " << canonical << " differ";
  EXPECT_EQ(Print(*again), canonical);
}

// Printing `expr` and parsing the text gives `expr` back, and prints the same.
inline void ExpectRoundTrip(std::string_view input, const Expr& expr) {
  std::string printed = Print(expr);
  Result<Expr> again = ParseQuery(printed);
  ASSERT_TRUE(again.ok()) << "input " << input << " printed " << printed << " -> "
                          << again.status().ToString();
  EXPECT_TRUE(*again == expr) << "input " << input << " printed " << printed << " reprinted "
                              << Print(*again);
  EXPECT_EQ(Print(*again), printed) << input;
}

inline void ExpectSameAst(std::string_view a, std::string_view b) {
  Expr x = MustParse(a);
  Expr y = MustParse(b);
  EXPECT_TRUE(x == y) << a << " printed " << Print(x) << "\n" << b << " printed " << Print(y);
}

inline constexpr std::string_view kEmptyCompatible =
    "parse error : queries require at least one regexp or equality matcher that does not have "
    "an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but "
    "app=~\".+\" will";

}  // namespace lode::logql
