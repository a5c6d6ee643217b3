// Base64 (RFC 4648, standard alphabet with padding), as OTLP's JSON
// writes bytes values and HTTP Basic auth writes credentials.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lode {

void AppendBase64(std::string_view bytes, std::string& out);

// Decodes standard or URL-safe base64, padded or not; nullopt for a
// character outside both alphabets.
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace lode
