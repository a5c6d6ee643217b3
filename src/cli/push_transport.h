// Sending push bodies to a lode (or Loki) server over HTTP, for the
// commands that ship logs (forward, import).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "forward/forwarder.h"
#include "model/labels.h"

namespace lode {

class HttpPushTransport final : public Transport {
 public:
  HttpPushTransport(std::string url, std::string tenant, bool durable, std::string token = "")
      : url_(std::move(url)),
        tenant_(std::move(tenant)),
        durable_(durable),
        token_(std::move(token)) {}
  SendOutcome Send(const std::string& body, const std::string& batch_id) override;

 private:
  std::string url_;
  std::string tenant_;
  bool durable_;
  std::string token_;
};

// The push URL of a server's base URL (kept when it names the push path).
std::string PushUrl(const std::string& base);

// Labels from NAME=VALUE flags; an error names the bad one.
Result<Labels> ParseLabelFlags(const std::vector<std::string>& flags, const std::string& command);

}  // namespace lode
