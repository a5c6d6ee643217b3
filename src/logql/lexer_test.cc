#include "logql/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lode::logql {
namespace {

std::vector<TokenKind> Kinds(std::string_view input) {
  Result<std::vector<Token>> tokens = Tokenize(input);
  EXPECT_TRUE(tokens.ok()) << tokens.status().ToString();
  std::vector<TokenKind> kinds;
  if (!tokens.ok()) return kinds;
  for (const Token& t : *tokens) kinds.push_back(t.kind);
  return kinds;
}

std::string LexError(std::string_view input) {
  Result<std::vector<Token>> tokens = Tokenize(input);
  EXPECT_FALSE(tokens.ok()) << input;
  if (tokens.ok()) return "";
  EXPECT_EQ(tokens.status().code(), StatusCode::kInvalidArgument);
  return tokens.status().message();
}

TEST(LexerTest, EmptyInputIsJustEnd) {
  EXPECT_EQ(Kinds(""), std::vector<TokenKind>{TokenKind::kEnd});
  EXPECT_EQ(Kinds("  \t\r\n # only a comment"), std::vector<TokenKind>{TokenKind::kEnd});
}

TEST(LexerTest, Operators) {
  using K = TokenKind;
  EXPECT_EQ(Kinds("( ) [ ] { } , . | |= != |~ !~ = =~ == > >= < <= |> !> + - * / % ^"),
            (std::vector<K>{
                K::kOpenParen,   K::kCloseParen, K::kOpenBracket, K::kCloseBracket, K::kOpenBrace,
                K::kCloseBrace,  K::kComma,      K::kDot,         K::kPipe,         K::kPipeExact,
                K::kNeq,         K::kPipeMatch,  K::kNre,         K::kEq,           K::kRe,
                K::kCmpEq,       K::kGt,         K::kGte,         K::kLt,           K::kLte,
                K::kPipePattern, K::kNotPattern, K::kAdd,         K::kSub,          K::kMul,
                K::kDiv,         K::kMod,        K::kPow,         K::kEnd}));
  // Longest match without spaces.
  EXPECT_EQ(Kinds("|=|~!=!~=~"),
            (std::vector<K>{K::kPipeExact, K::kPipeMatch, K::kNeq, K::kNre, K::kRe, K::kEnd}));
}

TEST(LexerTest, NumbersDurationsAndBytes) {
  using K = TokenKind;
  EXPECT_EQ(Kinds("42 3.14 1e5 2.5E-3 5m 1h30m 250ms 1.5s 7d 10KB 5MiB 3b"),
            (std::vector<K>{K::kNumber, K::kNumber, K::kNumber, K::kNumber, K::kDuration,
                            K::kDuration, K::kDuration, K::kDuration, K::kDuration, K::kBytes,
                            K::kBytes, K::kBytes, K::kEnd}));
  // A dot not followed by a digit is its own token.
  EXPECT_EQ(Kinds("1."), (std::vector<K>{K::kNumber, K::kDot, K::kEnd}));
  EXPECT_EQ(LexError("{a=\"b\"}[5x]"),
            "parse error at line 1, col 9: invalid number, duration or byte size \"5x\"");
  EXPECT_EQ(LexError("1e"),
            "parse error at line 1, col 1: invalid number, duration or byte size "
            "\"1e\"");
}

TEST(LexerTest, IdentifiersIncludingKeywords) {
  Result<std::vector<Token>> tokens = Tokenize("count_over_time json or _x9");
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 5u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*tokens)[i].kind, TokenKind::kIdentifier);
  EXPECT_EQ((*tokens)[0].text, "count_over_time");
  EXPECT_EQ((*tokens)[3].text, "_x9");
}

TEST(LexerTest, PositionsAreOneBasedByteColumns) {
  Result<std::vector<Token>> tokens = Tokenize("{a=\"é\"}\n  |= `x\ny` # c\n !=\"z\"");
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  const std::vector<Token>& t = *tokens;
  ASSERT_EQ(t.size(), 10u);
  EXPECT_EQ(t[0].pos, (Position{1, 1}));  // {
  EXPECT_EQ(t[1].pos, (Position{1, 2}));  // a
  EXPECT_EQ(t[2].pos, (Position{1, 3}));  // =
  EXPECT_EQ(t[3].pos, (Position{1, 4}));  // "é": 4 bytes
  EXPECT_EQ(t[4].pos, (Position{1, 8}));  // }
  EXPECT_EQ(t[5].pos, (Position{2, 3}));  // |=
  EXPECT_EQ(t[6].pos, (Position{2, 6}));  // raw string spanning lines
  EXPECT_EQ(t[6].value, "x\ny");
  EXPECT_EQ(t[7].pos, (Position{4, 2}));  // != after the comment
  EXPECT_EQ(t[8].pos, (Position{4, 4}));
  EXPECT_EQ(t[9].kind, TokenKind::kEnd);
  EXPECT_EQ(t[9].pos, (Position{4, 7}));
}

TEST(LexerTest, GoEscapes) {
  Result<std::vector<Token>> tokens =
      Tokenize(R"("\a\b\f\n\r\t\v\\\" \x41\101 \u00e9 \U0001F600 \xff")");
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  EXPECT_EQ((*tokens)[0].kind, TokenKind::kString);
  EXPECT_EQ((*tokens)[0].value, "\a\b\f\n\r\t\v\\\" AA \xc3\xa9 \xf0\x9f\x98\x80 \xff");
}

TEST(LexerTest, RawStringsKeepBackslashesAndDropCarriageReturns) {
  Result<std::vector<Token>> tokens = Tokenize("`a\\n\"b\r\nc`");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ((*tokens)[0].value, "a\\n\"b\nc");
}

TEST(LexerTest, StringErrors) {
  EXPECT_EQ(LexError("\"abc"), "parse error at line 1, col 1: unterminated string");
  EXPECT_EQ(LexError("x \"ab\ncd\""), "parse error at line 1, col 3: unterminated string");
  EXPECT_EQ(LexError("\"ab\\"), "parse error at line 1, col 4: unterminated string");
  EXPECT_EQ(LexError("\n  `abc"), "parse error at line 2, col 3: unterminated raw string");
  EXPECT_EQ(LexError("\"a\\qb\""), "parse error at line 1, col 3: invalid char escape");
  EXPECT_EQ(LexError("\"\\'\""), "parse error at line 1, col 2: invalid char escape");
  EXPECT_EQ(LexError("\"\\x4\""), "parse error at line 1, col 2: invalid char escape");
  EXPECT_EQ(LexError("\"\\12\""), "parse error at line 1, col 2: invalid char escape");
  EXPECT_EQ(LexError("\"\\400\""), "parse error at line 1, col 2: octal escape value > 255");
  EXPECT_EQ(LexError("\"\\ud800\""),
            "parse error at line 1, col 2: escape sequence is invalid Unicode code point");
  EXPECT_EQ(LexError("\"\\U00110000\""),
            "parse error at line 1, col 2: escape sequence is invalid Unicode code point");
}

TEST(LexerTest, UnexpectedCharacters) {
  EXPECT_EQ(LexError("{a=\"b\"} @"), "parse error at line 1, col 9: unexpected character '@'");
  EXPECT_EQ(LexError("a ! b"), "parse error at line 1, col 3: unexpected character '!'");
  EXPECT_EQ(LexError(std::string_view("\x01", 1)),
            "parse error at line 1, col 1: unexpected character '\\x01'");
}

}  // namespace
}  // namespace lode::logql
