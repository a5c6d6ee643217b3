// Printer: AST back to canonical LogQL text.
//
// The output is what the parser accepts and rebuilds into an equal AST:
// ParseQuery(Print(x)) == x for every x that ParseQuery returned. Order is
// kept; spacing is fixed, e.g.
//   {app="x", env=~"prod|dev"} |= "a" or "b" | json | level="error"
//   sum by (host) (rate({app="x"} |= "err" [5m]))
// A range always follows the pipeline (`{...} | json [5m]`), `,` between
// label filters prints as `and`, and parentheses appear only where
// precedence needs them. Strings are always double-quoted. Escapes are
// used for the quote, the backslash, control bytes and bytes that are not
// valid UTF-8, so the text is valid UTF-8 whatever the values hold.
#pragma once

#include <string>

#include "logql/ast.h"

namespace lode::logql {

std::string Print(const Expr& expr);
std::string Print(const LogSelectorExpr& expr);

}  // namespace lode::logql
