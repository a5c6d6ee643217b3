// The pattern syntax of `| pattern "<ip> - <_> [<ts>] ..."` and of the
// pattern line filters `|> "<_> error <_>"`: literal text and captures.
// A capture is `<name>` with name [A-Za-z_][A-Za-z0-9_]*, `<_>` matches
// without capturing; any other `<` is literal text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace lode::logql {

struct PatternPart {
  bool capture = false;
  std::string text;  // the literal bytes, or the capture's name ("_": unnamed)
};

// Splits `pattern` into literal and capture parts (never two literals in a
// row; empty literals are not produced).
std::vector<PatternPart> SplitPattern(std::string_view pattern);

enum class PatternUse {
  kParser,      // needs a named capture; names unique
  kLineFilter,  // only `<_>` placeholders
};

// Ok, or InvalidArgument saying what is wrong (as Loki words it): no
// capture, two captures side by side, a duplicate name, a named capture
// in a filter.
Status CheckPattern(std::string_view pattern, PatternUse use);

}  // namespace lode::logql
