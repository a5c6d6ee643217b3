// The cluster's PeerClient over HTTP: how members reach one another's
// /internal/v1/ endpoints, with the transport module's client.
#pragma once

#include "cluster/peer_protocol.h"

namespace lode {

class HttpPeerClient final : public PeerClient {
 public:
  Result<std::string> Post(const std::string& address, const std::string& path,
                           const std::string& body, std::chrono::milliseconds timeout) override;
};

}  // namespace lode
