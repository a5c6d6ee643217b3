// A small blocking HTTP/1.1 client for lode's own command-line tools and
// tests (Boost.Beast inside): one request per connection
// (SendHttpRequest), or many over one kept open (HttpConnection); http://
// and https:// (the peer's certificate is verified against the system's
// CAs, or the PEM file named by $LODE_CA_FILE).
#pragma once

#include <chrono>
#include <memory>
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

// Sends requests one after another over one connection kept open between
// them (HTTP/1.1 keep-alive), as a client pushing all day does: a push
// then costs neither side a TCP (and TLS) handshake and teardown. The
// connection is opened again when the server has closed it (its idle
// timeout) or said it would, or a request names another server. A failed
// exchange closes it and is not sent again: the caller decides (answers
// as SendHttpRequest's). One per thread: not safe to share.
class HttpConnection {
 public:
  HttpConnection();
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  Result<HttpResponse> Send(const ClientRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lode
