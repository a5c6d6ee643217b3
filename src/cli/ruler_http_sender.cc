#include "cli/ruler_http_sender.h"

#include <strings.h>

#include "transport/http_client.h"

namespace lode {

Result<OutboundResponse> RulerHttpSender::Post(const OutboundRequest& request) {
  ClientRequest r;
  r.method = "POST";
  r.url = request.url;
  r.headers = request.headers;
  r.body = request.body;
  r.timeout = request.timeout;
  LODE_ASSIGN_OR_RETURN(HttpResponse response, SendHttpRequest(r));
  OutboundResponse out;
  out.status = response.status;
  out.body = std::move(response.body);
  for (const auto& [name, value] : response.headers) {
    if (name.size() == 11 && strncasecmp(name.c_str(), "retry-after", 11) == 0) {
      out.retry_after = value;
    }
  }
  return out;
}

}  // namespace lode
