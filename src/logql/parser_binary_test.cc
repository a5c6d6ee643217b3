// Tests of LogQL binary expressions and literals: precedence and
// associativity, bool, vector matching, vector() and label_replace().
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "logql/parser.h"
#include "logql/parser_test_helpers.h"

namespace lode::logql {
namespace {

using Names = std::vector<std::string>;

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

}  // namespace
}  // namespace lode::logql
