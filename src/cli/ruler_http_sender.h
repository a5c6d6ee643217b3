// The ruler's way out to Alertmanager and remote write: its HttpSender
// over transport's HTTP client.
#pragma once

#include "ruler/http_sender.h"

namespace lode {

class RulerHttpSender final : public HttpSender {
 public:
  Result<OutboundResponse> Post(const OutboundRequest& request) override;
};

}  // namespace lode
