// Text helpers shared by the label parsers (json, logfmt, unpack): how a
// key becomes a label name, and how values are cleaned.
#pragma once

#include <string>
#include <string_view>

namespace lode {

// A key as a label name: trimmed of white space; a leading digit gets a
// `_` prefix; every character outside [A-Za-z0-9_] (a whole UTF-8
// sequence, or an invalid byte) becomes one `_`. "" stays "".
std::string SanitizeLabelName(std::string_view key);

// Appends `key`, sanitized the same way, to a nested name `*to`: trimmed;
// nothing when empty; the digit prefix only when *to is empty.
void AppendSanitizedLabelName(std::string* to, std::string_view key);

// Replaces each U+FFFD and each invalid UTF-8 byte with one space (as the
// parsers store values).
void ReplaceInvalidUtf8WithSpace(std::string* s);
// Whether s holds U+FFFD or invalid UTF-8.
bool HasInvalidUtf8(std::string_view s);

// JSON string unescaping (\" \\ \/ \b \f \n \r \t \uXXXX with surrogate
// pairs) of a string's body (without its quotes). False on a bad escape.
bool JsonUnescape(std::string_view body, std::string* out);

// The tokens shared by the lexers of json and logfmt extraction
// expressions (Loki's jsonexpr and logfmt expression grammars):
// white space between tokens;
bool IsExpressionSpace(char c);
// the length of a FIELD ([A-Za-z_][A-Za-z0-9_]*) at s[i], 0 when none;
size_t ExpressionFieldLength(std::string_view s, size_t i);
// a STRING from the quote at s[i]: its text runs to the next quote or `]`
// (or the end); *next is set past that character.
std::string_view ExpressionString(std::string_view s, size_t i, size_t* next);

}  // namespace lode
