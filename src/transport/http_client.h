// A small blocking HTTP/1.1 client for lode's own command-line tools and
// tests (Boost.Beast inside). One request per connection; http:// and
// https:// (the peer's certificate is verified against the system's CAs,
// or the PEM file named by $LODE_CA_FILE).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "transport/http_types.h"

namespace lode {

struct Url {
  bool tls = false;  // https
  std::string host;
  std::string port = "80";
  std::string path = "/";  // path and query
};

// Parses "http[s]://host[:port][/path]" (a missing scheme means http; the
// port defaults to 80 or 443).
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
