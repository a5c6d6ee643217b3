// Printer: AST back to canonical LogQL text.
//
// The output is what the parser accepts and rebuilds into an equal AST:
// ParseQuery(Print(x)) == x for every x that ParseQuery returned. Matchers and
// filters keep their order; spacing is fixed, e.g.
//   {app="x", env=~"prod|dev"} |= "a" or "b" != "c"
// Strings are always double-quoted. Escapes are used for the quote, the
// backslash, control bytes and bytes that are not valid UTF-8, so the text is
// valid UTF-8 whatever the values hold.
#pragma once

#include <string>
#include <string_view>

#include "logql/ast.h"

namespace lode::logql {

std::string Print(const LogSelectorExpr& expr);

}  // namespace lode::logql
