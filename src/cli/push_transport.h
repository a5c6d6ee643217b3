// Sending push bodies to a lode (or Loki) server over HTTP, for the
// commands that ship logs (forward, import).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "forward/forwarder.h"
#include "model/labels.h"

namespace lode {

class HttpConnection;

// Each send takes a connection kept open from an earlier one (or opens
// one): senders running at once each have their own, and none is set up
// per batch.
class HttpPushTransport final : public Transport {
 public:
  HttpPushTransport(std::string url, std::string tenant, bool durable, std::string token = "")
      : url_(std::move(url)),
        tenant_(std::move(tenant)),
        durable_(durable),
        token_(std::move(token)) {}
  ~HttpPushTransport() override;
  SendOutcome Send(const std::string& body, const std::string& batch_id) override;

 private:
  std::string url_;
  std::string tenant_;
  bool durable_;
  std::string token_;
  Mutex mu_;
  std::vector<std::unique_ptr<HttpConnection>> idle_ GUARDED_BY(mu_);
};

// The push URL of a server's base URL (kept when it names the push path).
std::string PushUrl(const std::string& base);

// Labels from NAME=VALUE flags; an error names the bad one.
Result<Labels> ParseLabelFlags(const std::vector<std::string>& flags, const std::string& command);

}  // namespace lode
