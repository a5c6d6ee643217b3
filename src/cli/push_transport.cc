#include "cli/push_transport.h"

#include <strings.h>

#include <cstdlib>

#include "transport/http_client.h"

namespace lode {

HttpPushTransport::~HttpPushTransport() = default;

SendOutcome HttpPushTransport::Send(const std::string& body, const std::string& batch_id) {
  ClientRequest request;
  request.method = "POST";
  request.url = url_;
  request.headers = {{"Content-Type", "application/x-protobuf"}};
  if (durable_) request.headers.emplace_back("X-Lode-Durability", "durable");
  if (!tenant_.empty()) request.headers.emplace_back("X-Scope-OrgID", tenant_);
  if (!token_.empty()) request.headers.emplace_back("Authorization", "Bearer " + token_);
  request.headers.emplace_back("X-Lode-Batch-Id", batch_id);
  request.body = body;
  std::unique_ptr<HttpConnection> connection;
  {
    MutexLock lock(mu_);
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (connection == nullptr) connection = std::make_unique<HttpConnection>();
  auto response = connection->Send(request);
  {
    MutexLock lock(mu_);
    idle_.push_back(std::move(connection));
  }
  if (!response.ok()) return {SendOutcome::Kind::kRetryable, response.status().message()};
  int code = response->status;
  if (code >= 200 && code < 300) return {SendOutcome::Kind::kAccepted, ""};
  // The first line of the answer (a refusal lists one line per entry).
  std::string answer = response->body;
  while (!answer.empty() && answer.back() == '\n') answer.pop_back();
  size_t more = 0;
  if (size_t nl = answer.find('\n'); nl != std::string::npos) {
    for (size_t i = nl; i < answer.size(); ++i) more += answer[i] == '\n';
    answer.resize(nl);
  }
  std::string detail = "HTTP " + std::to_string(code) + ": " + answer;
  // What Loki clients do: 429 and 5xx are worth retrying, other 4xx not.
  if (code == 429 || code >= 500) {
    SendOutcome outcome{SendOutcome::Kind::kRetryable, detail};
    outcome.throttled = code == 429;
    return outcome;
  }
  SendOutcome outcome{SendOutcome::Kind::kRejected, detail};
  // lode says how much of a partly refused batch it stored.
  for (const auto& [name, value] : response->headers) {
    if (strcasecmp(name.c_str(), "X-Lode-Stored-Entries") == 0) {
      outcome.stored = std::atoll(value.c_str());
    } else if (strcasecmp(name.c_str(), "X-Lode-Refused-Entries") == 0) {
      outcome.refused = std::atoll(value.c_str());
    }
  }
  if (outcome.refused > 1) {
    outcome.detail += " (one of " + std::to_string(outcome.refused) + " refused)";
  } else if (outcome.refused < 0 && more > 0) {
    outcome.detail += " (and " + std::to_string(more) + " more lines)";
  }
  return outcome;
}

std::string PushUrl(const std::string& base) {
  if (base.find("/loki/api/v1/push") != std::string::npos) return base;
  std::string url = base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/loki/api/v1/push";
}

Result<Labels> ParseLabelFlags(const std::vector<std::string>& flags, const std::string& command) {
  std::vector<Label> labels;
  for (const std::string& kv : flags) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || !IsValidLabelName(kv.substr(0, eq))) {
      return Status::InvalidArgument("lode " + command + ": invalid --label \"" + kv +
                                     "\": expected NAME=VALUE with NAME like "
                                     "[a-zA-Z_][a-zA-Z0-9_]*");
    }
    labels.push_back(Label{kv.substr(0, eq), kv.substr(eq + 1)});
  }
  return Labels(std::move(labels));
}

}  // namespace lode
