// A blocking WebSocket client for lode's command line (`lode query
// --follow` reads /loki/api/v1/tail with it). ws:// only, Beast inside.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace lode {

// Connects to `url` (http://host:port/path?query, as the other clients
// take it), then calls on_message for each text message until the server
// closes the connection (Ok), on_message returns false (Ok), or the
// connection fails. A refused upgrade is an error carrying the server's
// HTTP status and body.
Status ReadWebSocket(const std::string& url,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     const std::function<bool(const std::string& message)>& on_message);

}  // namespace lode
