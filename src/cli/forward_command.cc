// lode forward: stdin lines to a lode (or Loki) push endpoint.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "base/log.h"
#include "base/time.h"
#include "cli/commands.h"
#include "forward/forwarder.h"
#include "server/http_client.h"

namespace lode {
namespace {

struct ForwardFlags {
  std::string url = "http://127.0.0.1:3100";
  std::vector<std::string> labels;
  std::string tenant;
  bool durable = false;
  size_t batch_bytes = 1u << 20;
  std::string batch_wait = "1s";
  int max_retries = -2;  // -2: not given (forever when durable, else 10)
  bool quiet = false;
};

class HttpPushTransport final : public Transport {
 public:
  HttpPushTransport(std::string url, std::string tenant, bool durable)
      : url_(std::move(url)), tenant_(std::move(tenant)), durable_(durable) {}

  SendOutcome Send(const std::string& body, const std::string& batch_id) override {
    ClientRequest request;
    request.method = "POST";
    request.url = url_;
    request.headers = {{"Content-Type", "application/json"}};
    if (durable_) request.headers.emplace_back("X-Lode-Durability", "durable");
    if (!tenant_.empty()) request.headers.emplace_back("X-Scope-OrgID", tenant_);
    request.headers.emplace_back("X-Lode-Batch-Id", batch_id);
    request.body = body;
    auto response = SendHttpRequest(request);
    if (!response.ok()) {
      return {SendOutcome::Kind::kRetryable, response.status().message()};
    }
    int code = response->status;
    std::string detail = "HTTP " + std::to_string(code) + ": " + response->body;
    while (!detail.empty() && detail.back() == '\n') detail.pop_back();
    if (code >= 200 && code < 300) return {SendOutcome::Kind::kAccepted, ""};
    // What Loki clients do: 429 and 5xx are worth retrying, other 4xx not.
    if (code == 429 || code >= 500) return {SendOutcome::Kind::kRetryable, detail};
    return {SendOutcome::Kind::kRejected, detail};
  }

 private:
  std::string url_;
  std::string tenant_;
  bool durable_;
};

std::string PushUrl(const std::string& base) {
  if (base.find("/loki/api/v1/push") != std::string::npos) return base;
  std::string url = base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/loki/api/v1/push";
}

int RunForward(const ForwardFlags& flags) {
  signal(SIGPIPE, SIG_IGN);
  std::vector<Label> labels;
  for (const std::string& kv : flags.labels) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || !IsValidLabelName(kv.substr(0, eq))) {
      std::cerr << "lode forward: invalid --label \"" << kv
                << "\": expected NAME=VALUE with NAME like [a-zA-Z_][a-zA-Z0-9_]*\n";
      return 2;
    }
    labels.push_back(Label{kv.substr(0, eq), kv.substr(eq + 1)});
  }
  if (labels.empty()) labels.push_back(Label{"job", "lode-forward"});
  auto url = ParseUrl(PushUrl(flags.url));
  if (!url.ok()) {
    std::cerr << "lode forward: " << url.status().message() << "\n";
    return 2;
  }
  auto wait = ParseSecondsOrDuration(flags.batch_wait);
  if (!wait.ok() || *wait <= 0) {
    std::cerr << "lode forward: invalid --batch-wait: "
              << (wait.ok() ? "must be positive" : wait.status().message()) << "\n";
    return 2;
  }

  ForwarderOptions options;
  options.labels = Labels(std::move(labels));
  options.batch_max_bytes = flags.batch_bytes;
  options.batch_wait = std::chrono::milliseconds(std::max<int64_t>(1, *wait / 1'000'000));
  options.max_retries = flags.max_retries != -2 ? flags.max_retries : (flags.durable ? -1 : 10);

  HttpPushTransport transport(PushUrl(flags.url), flags.tenant, flags.durable);
  Forwarder forwarder(transport, options);
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) forwarder.AddLine(std::move(line));
  Status done = forwarder.Finish();
  ForwarderStats stats = forwarder.stats();
  if (!flags.quiet) {
    log::Info("forward finished", {{"lines", std::to_string(stats.lines_read)},
                                   {"sent", std::to_string(stats.lines_sent)},
                                   {"batches", std::to_string(stats.batches_sent)},
                                   {"retries", std::to_string(stats.retries)},
                                   {"dropped", std::to_string(stats.lines_dropped)}});
  }
  if (!done.ok()) {
    std::cerr << "lode forward: " << done.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

CommandRunner AddForwardCommand(CLI::App& app) {
  auto flags = std::make_shared<ForwardFlags>();
  CLI::App* cmd = app.add_subcommand(
      "forward", "Read log lines from stdin and push them to lode, batching and retrying.");
  cmd->add_option("--url", flags->url, "lode or Loki base URL (default http://127.0.0.1:3100)");
  cmd->add_option("--label,-l", flags->labels, "Stream label NAME=VALUE (repeatable)");
  cmd->add_option("--tenant", flags->tenant, "Tenant ID sent as X-Scope-OrgID");
  cmd->add_flag("--durable", flags->durable,
                "Ask for fsync before acknowledgement, and retry forever");
  cmd->add_option("--batch-bytes", flags->batch_bytes, "Send a batch at this size (default 1MiB)");
  cmd->add_option("--batch-wait", flags->batch_wait,
                  "Send a batch at this age, e.g. 500ms (default 1s)");
  cmd->add_option("--max-retries", flags->max_retries,
                  "Retries per batch before dropping it; -1 = forever (default 10, or forever "
                  "with --durable)");
  cmd->add_flag("--quiet,-q", flags->quiet, "No summary on exit");
  return [flags] { return RunForward(*flags); };
}

}  // namespace lode
