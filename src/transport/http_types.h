// Plain HTTP request and response values, free of any network library, so
// handlers and their tests compile without Beast.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"  // UrlEncode

namespace lode {

// Case-insensitive comparison for header names.
struct HeaderNameLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent
  std::string path;    // decoded path, without the query
  // Decoded query parameters in order; a name may repeat (match[]). The
  // first `query_params` come from the URL, the rest from the fields of
  // an application/x-www-form-urlencoded body.
  std::vector<std::pair<std::string, std::string>> params;
  size_t query_params = 0;
  std::map<std::string, std::string, HeaderNameLess> headers;
  std::string body;
  std::string remote;  // peer address, for logs
  // Set by the server when the client disconnects before the answer, so
  // a long query can stop; may be null.
  std::shared_ptr<std::atomic<bool>> cancelled;

  // Last value of a query parameter, or of a form field of an
  // application/x-www-form-urlencoded body; empty if absent.
  std::string Param(std::string_view name) const;
  bool HasParam(std::string_view name) const;
  // Last value of a parameter of the URL's query alone (for requests
  // whose body is data whatever its declared type).
  std::string QueryParam(std::string_view name) const;
  // Every value of a parameter, in order (`match[]` repeats).
  std::vector<std::string> Params(std::string_view name) const;
  std::string Header(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse Text(int status, std::string body);
  static HttpResponse Json(int status, std::string body);
};

// Splits "a=1&b=x%20y" into decoded pairs ('+' is a space).
std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view query);
std::string UrlDecode(std::string_view s);

}  // namespace lode
