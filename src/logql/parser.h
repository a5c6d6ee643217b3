// Parser: LogQL text to AST, by recursive descent over the lexer's tokens.
//
// v0 grammar (anything else is a parse error with a position):
//
//   query       = selector { line_filter } END
//   selector    = "{" matcher { "," matcher } "}"
//   matcher     = IDENTIFIER ( "=" | "!=" | "=~" | "!~" ) STRING
//   line_filter = ( "|=" | "!=" | "|~" | "!~" ) STRING { "or" STRING }
//
// Semantic rules, as Loki enforces them:
//   - regexes (in matchers and line filters) must compile with RE2;
//   - a selector needs at least one matcher that does not match the empty
//     string ({app=~".*"} alone selects everything and is refused);
//   - queries longer than kMaxQueryBytes are refused before lexing.
//
// Every error is Status::InvalidArgument whose message reads like Loki's:
// "parse error at line L, col C: <what>" (1-based line, byte column of the
// offending token), or "parse error : <what>" when no single place is at
// fault. Thread-safe: ParseQuery keeps no state between calls.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/status.h"
#include "logql/ast.h"

namespace lode::logql {

inline constexpr size_t kMaxQueryBytes = 128 * 1024;

Result<LogSelectorExpr> ParseQuery(std::string_view query);

}  // namespace lode::logql
