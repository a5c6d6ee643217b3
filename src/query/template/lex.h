// The lexer of the template language (lex.cc): the tokens of one
// `{{ action }}`. The parser (parse.cc) walks the text between actions
// itself and hands the lexer a Cursor at each action.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace lode::tmpl {

enum class Tok {
  kEnd,  // }} (the action's end)
  kPipe,
  kLeftParen,
  kRightParen,
  kComma,
  kDeclare,  // :=
  kAssign,   // =
  kDot,
  kField,     // .name
  kVariable,  // $ or $name
  kIdentifier,
  kString,
  kNumber,
  kChar,
};

struct Token {
  Tok type;
  std::string text;     // identifier / field / variable name; string value; number text
  bool spaced = false;  // preceded by white space (a field right after a term chains)
  size_t pos = 0;       // offset in the template text
  std::string raw;      // as written
};

// Where the parser is in the template's text. The lexer moves it past an
// action, counting its lines; `trim_next` says the action ended with a
// trim marker (` -}}`), so the text after it loses its leading spaces.
struct Cursor {
  std::string_view text;
  size_t pos = 0;
  int line = 1;  // for error messages
  bool trim_next = false;
};

// Go's white space inside actions.
bool IsSpace(char c);

// Lexes one action from cursor.pos (just past `{{` and its trim marker)
// through `}}`; the last token is kEnd. An error's message is bare
// ("unclosed action"): the parser adds the template's name and line.
Result<std::vector<Token>> LexAction(Cursor& cursor);

}  // namespace lode::tmpl
