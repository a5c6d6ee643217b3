// Literals a regular expression requires: substrings that every line it
// matches contains. A `|~ "qqq[0-9]zzz"` filter can then use what storage
// does for `|= "qqq" |= "zzz"` (skip blocks whose token filters or
// template columns rule the literals out) before the regex runs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lode {

// Runs of plain characters at the top level of `pattern` (RE2 syntax)
// that every match must contain, at least `min_length` bytes each.
// Conservative: empty when unsure (a top-level alternation, flags such as
// (?i), \Q...\E), never a literal a match may lack.
std::vector<std::string> RequiredLiterals(std::string_view pattern, size_t min_length = 3);

}  // namespace lode
