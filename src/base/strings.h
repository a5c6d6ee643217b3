// Small string helpers shared by configuration, HTTP parameters and
// headers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lode {

// The items of a comma-separated list ("a, b,,c" is a, b, c), each
// trimmed of spaces and tabs; empty items are dropped.
std::vector<std::string> SplitCommaList(std::string_view text);

// Percent-encodes all but letters, digits and -_.~ (a query parameter's
// value or a path segment).
std::string UrlEncode(std::string_view s);

}  // namespace lode
