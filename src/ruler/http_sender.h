// How the ruler reaches Alertmanager and a remote-write receiver: a POST
// and its answer. The ruler knows HTTP only through this; the server
// gives it a client (transport/), tests may give it their own.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace lode {

struct OutboundRequest {
  std::string url;  // absolute
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{10000};
};

struct OutboundResponse {
  int status = 0;
  std::string body;
  std::string retry_after;  // the Retry-After header, if any
};

class HttpSender {
 public:
  virtual ~HttpSender() = default;
  // The answer whatever its status; an error when no answer came
  // (connection refused, timeout).
  virtual Result<OutboundResponse> Post(const OutboundRequest& request) = 0;
};

}  // namespace lode
