// lode forward: stdin lines to a lode (or Loki) push endpoint.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "base/log.h"
#include "base/time.h"
#include "cli/commands.h"
#include "cli/push_transport.h"
#include "forward/forwarder.h"
#include "server/http_client.h"

namespace lode {
namespace {

struct ForwardFlags {
  std::string url = "http://127.0.0.1:3100";
  std::vector<std::string> labels;
  std::string tenant;
  std::string token;
  bool durable = false;
  size_t batch_bytes = 1u << 20;
  std::string batch_wait = "1s";
  int max_retries = -2;  // -2: not given (forever when durable, else 10)
  bool quiet = false;
};

int RunForward(const ForwardFlags& flags) {
  signal(SIGPIPE, SIG_IGN);
  auto parsed = ParseLabelFlags(flags.labels, "forward");
  if (!parsed.ok()) {
    std::cerr << parsed.status().message() << "\n";
    return 2;
  }
  std::vector<Label> labels = parsed->items();
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

  HttpPushTransport transport(PushUrl(flags.url), flags.tenant, flags.durable, flags.token);
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
  cmd->add_option("--token", flags->token, "Bearer token (default: $LODE_TOKEN)")
      ->envname("LODE_TOKEN");
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
