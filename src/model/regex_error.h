// The wording of a regular expression's syntax error. LogQL regexes are
// RE2 syntax, the same language as Go's regexp, and users compare lode's
// errors with Loki's: the message is Go's (`error parsing regexp: missing
// closing ): `(``), naming the part of the user's own regex at fault.
#pragma once

#include <string>

namespace re2 {
class RE2;
}

namespace lode {

// `re` failed to compile (!re.ok()).
std::string DescribeRegexError(const re2::RE2& re);

}  // namespace lode
