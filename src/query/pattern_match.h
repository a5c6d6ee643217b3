// Matching of LogQL patterns (logql/pattern.h) against lines: the
// `| pattern "<ip> - <_> [<ts>] ..."` parser and the `|>` / `!>` filters.
// Matching never backtracks: each literal is found at its first
// occurrence after the previous one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "logql/pattern.h"

namespace lode {

class PatternMatcher {
 public:
  explicit PatternMatcher(std::string_view pattern);

  // The parser: the values of the captures that matched, in order, with
  // their names ("_" for unnamed ones). A line that does not start with a
  // leading literal matches nothing; a literal not found ends the match
  // with the capture before it taking the rest of the line.
  void Captures(std::string_view line,
                std::vector<std::pair<std::string_view, std::string_view>>* out) const;

  // The line filter: whether the whole line fits the pattern, each `<_>`
  // matching at least one byte.
  bool Test(std::string_view line) const;

 private:
  std::vector<logql::PatternPart> parts_;
  bool empty_ = false;
};

}  // namespace lode
