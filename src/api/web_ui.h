// Serves the embedded web UI: the page at / and its script and style under
// /ui/, gzip-compressed when the browser accepts it, revalidated by ETag.
#pragma once

#include <optional>

#include "transport/http_types.h"

namespace lode {

// The answer for a UI path, or nullopt when `request` is not for one.
std::optional<HttpResponse> ServeWebUi(const HttpRequest& request);

}  // namespace lode
