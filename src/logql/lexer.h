// Lexer: splits a LogQL query into tokens for the parser.
//
// The token vocabulary already covers the wider LogQL grammar (numbers,
// durations, byte sizes, brackets, comparison and arithmetic operators,
// pattern filters) even though the v0 parser accepts only stream selectors
// and line filters; growing the grammar should not need lexer changes.
// Keywords such as `or`, `json` or `count_over_time` are plain identifiers:
// the parser decides by context what a word means, so `{or="x"}` stays a
// valid selector.
//
// Lexical rules (those of Loki, which follow Go):
//   - whitespace is space, tab, CR and LF; `#` starts a comment to end of line;
//   - identifiers are [a-zA-Z_][a-zA-Z0-9_]*;
//   - "double-quoted" strings take Go escapes (\a \b \f \n \r \t \v \\ \"
//     \ooo \xhh \uhhhh \Uhhhhhhhh) and may not contain a raw newline;
//     `backtick` strings are raw, may span lines, and drop CR as Go does;
//   - a number is digits with an optional fraction and exponent; directly
//     followed by letters it becomes a duration (5m, 1h30m, 250ms) or a
//     byte size (10KB, 5MiB).
//
// Positions are 1-based; the column counts bytes from the start of the line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace lode::logql {

struct Position {
  int line = 1;
  int column = 1;
  bool operator==(const Position&) const = default;
};

enum class TokenKind {
  kEnd,  // end of input; Next() keeps returning it
  kIdentifier,
  kString,
  kNumber,
  kDuration,
  kBytes,
  kOpenBrace,     // {
  kCloseBrace,    // }
  kOpenBracket,   // [
  kCloseBracket,  // ]
  kOpenParen,     // (
  kCloseParen,    // )
  kComma,         // ,
  kDot,           // .
  kPipe,          // |
  kPipeExact,     // |=
  kPipeMatch,     // |~
  kPipePattern,   // |>
  kNotPattern,    // !>
  kEq,            // =
  kNeq,           // !=
  kRe,            // =~
  kNre,           // !~
  kCmpEq,         // ==
  kGt,            // >
  kGte,           // >=
  kLt,            // <
  kLte,           // <=
  kAdd,           // +
  kSub,           // -
  kMul,           // *
  kDiv,           // /
  kMod,           // %
  kPow,           // ^
};

// The name used in syntax errors, as Loki's parser shows tokens:
// punctuation and operators as written ("{", "|="), the others by name
// ("IDENTIFIER", "STRING"), and "$end" for kEnd.
const char* TokenKindName(TokenKind kind);

struct Token {
  TokenKind kind = TokenKind::kEnd;
  // The token's source bytes. Points into the input given to the lexer, so a
  // token must not outlive that input.
  std::string_view text;
  // For kString, the decoded contents (escapes resolved, quotes removed);
  // empty for every other kind.
  std::string value;
  Position pos;  // where the token starts
};

// The error form of the whole LogQL front end, as Loki writes it:
// "parse error at line L, col C: <what>".
Status ParseErrorAt(Position pos, std::string_view what);
// For errors that belong to no single place: "parse error : <what>".
Status ParseError(std::string_view what);

// Produces the tokens of one query, one at a time. Not thread-safe; the
// input must outlive the lexer and every token it returns.
class Lexer {
 public:
  explicit Lexer(std::string_view input) : input_(input) {}

  // The next token, or InvalidArgument (in ParseErrorAt form) for a malformed
  // one: unterminated string, bad escape, bad number, unknown character.
  // After an error the lexer should not be used again.
  Result<Token> Next();

 private:
  void SkipSpaceAndComments();
  Status ScanNumber();
  void ScanExponent(char letter);
  Result<std::string> ScanQuoted();
  Result<std::string> ScanRaw();
  Status ScanEscape(std::string& out);
  Result<TokenKind> ScanOperator();

  bool AtEnd() const { return pos_ >= input_.size(); }
  char PeekChar(size_t ahead = 0) const {
    return pos_ + ahead < input_.size() ? input_[pos_ + ahead] : '\0';
  }
  // Advances one byte, keeping line bookkeeping when it is a newline.
  void Advance();
  Position PositionOf(size_t offset) const;  // offset must be on the current line

  std::string_view input_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;  // offset of the first byte of the current line
};

// Lexes all of `input`; the last token is always kEnd.
Result<std::vector<Token>> Tokenize(std::string_view input);

}  // namespace lode::logql
