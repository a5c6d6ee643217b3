// Base64 (RFC 4648, standard alphabet with padding), as OTLP's JSON
// writes bytes values, HTTP Basic auth writes credentials and the
// template functions b64enc / b64dec read and write text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace lode {

void AppendBase64(std::string_view bytes, std::string& out);

// Decodes standard or URL-safe base64, padded or not; nullopt for a
// character outside both alphabets.
std::optional<std::string> DecodeBase64(std::string_view text);

// Decodes the standard alphabet only, as Go's base64.StdEncoding reads
// it (sprig's b64dec), except that missing padding is supplied: '\r' and
// '\n' are skipped anywhere; after the first '=' only '=' may follow; the
// padding, given or supplied, must complete the last group of four. The
// error says where, in Go's words: "illegal base64 data at input byte N"
// (the byte at fault, or the last byte when the length is wrong).
Result<std::string> DecodeStdBase64(std::string_view text);

}  // namespace lode
