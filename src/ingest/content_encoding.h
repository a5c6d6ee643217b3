// Undoing a request's Content-Encoding before its body is decoded.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace lode {

// Decodes `body` per `encoding` ("", "identity", "gzip", "deflate").
// Output beyond `max_size` bytes is an error (ResourceExhausted), so a
// small compressed body cannot expand without bound. Unknown encodings
// and malformed streams are InvalidArgument.
Result<std::string> DecodeContentEncoding(std::string_view encoding, std::string_view body,
                                          size_t max_size);

}  // namespace lode
