#include "cli/http_peer_client.h"

#include "transport/http_client.h"

namespace lode {

Result<std::string> HttpPeerClient::Post(const std::string& address, const std::string& path,
                                         const std::string& body,
                                         std::chrono::milliseconds timeout) {
  ClientRequest request;
  request.method = "POST";
  request.url = "http://" + address + path;
  request.headers.emplace_back("Content-Type", "application/octet-stream");
  if (!secret_.empty()) request.headers.emplace_back("X-Lode-Cluster-Secret", secret_);
  request.body = body;
  request.timeout = timeout;
  LODE_ASSIGN_OR_RETURN(HttpResponse response, SendHttpRequest(request));
  if (response.status != 200) {
    return Status::Unavailable("member " + address + " answered " +
                               std::to_string(response.status) + ": " + response.body);
  }
  return std::move(response.body);
}

}  // namespace lode
