// The cluster's PeerClient over HTTP: how members reach one another's
// /internal/v1/ endpoints, with the transport module's client.
#pragma once

#include <string>

#include "cluster/peer_protocol.h"

namespace lode {

class HttpPeerClient final : public PeerClient {
 public:
  // `secret`: sent as X-Lode-Cluster-Secret when not empty.
  explicit HttpPeerClient(std::string secret = "") : secret_(std::move(secret)) {}
  Result<std::string> Post(const std::string& address, const std::string& path,
                           const std::string& body, std::chrono::milliseconds timeout) override;

 private:
  const std::string secret_;
};

}  // namespace lode
