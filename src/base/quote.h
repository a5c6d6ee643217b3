// Go-style double-quoted strings, shared by label sets, LogQL printing
// and logfmt logs.
#pragma once

#include <string>
#include <string_view>

namespace lode {

// Appends `s` as a double-quoted string with Go-style escapes: \" \\ \n \t
// \r, and \xHH for other control bytes and for bytes that are not valid
// UTF-8. The result is valid UTF-8, and Labels::Parse, the LogQL lexer and logfmt
// readers read it back to the same bytes.
void AppendQuoted(std::string& out, std::string_view s);

}  // namespace lode
