// A small blocking HTTP/1.1 client for lode's own command-line tools and
// tests (Boost.Beast inside). One request per connection; http:// only.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "server/http_types.h"

namespace lode {

struct Url {
  std::string host;
  std::string port = "80";
  std::string path = "/";  // path and query
};

// Parses "http://host[:port][/path]" (a missing scheme means http).
Result<Url> ParseUrl(std::string_view text);

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // absolute URL
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{30000};
};

// Returns the response whatever its status; a non-ok Status means the
// exchange itself failed (Unavailable for connection errors and
// timeouts, InvalidArgument for a bad URL).
Result<HttpResponse> SendHttpRequest(const ClientRequest& request);

}  // namespace lode
