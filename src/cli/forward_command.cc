// lode forward: stdin lines to lode (or Loki) push endpoints, batching,
// retrying, failing over between targets, and, with --spool, keeping what
// it has read on disk until a server accepted it.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <iostream>
#include <memory>

#include "base/log.h"
#include "base/time.h"
#include "cli/commands.h"
#include "cli/push_transport.h"
#include "forward/failover_transport.h"
#include "forward/forwarder.h"
#include "forward/spool.h"
#include "query/value_parse.h"
#include "text/file_reader.h"
#include "text/multiline.h"
#include "text/timestamp_detect.h"
#include "transport/http_client.h"

namespace lode {
namespace {

struct ForwardFlags {
  std::vector<std::string> urls;
  std::vector<std::string> labels;
  std::string tenant;
  std::string token;
  bool durable = false;
  std::string spool;
  std::string spool_max = "1GiB";
  size_t batch_bytes = 1u << 20;
  std::string batch_wait = "1s";
  size_t buffer_batches = 16;
  int concurrency = 4;
  std::string max_block = "1s";
  int max_retries = -2;  // -2: not given (forever when durable, else 10)
  std::string rate_limit;
  bool tee = false;
  std::string multiline = "none";
  std::string multiline_start;
  int circuit_failures = 5;
  std::string circuit_cooldown = "5s";
  bool quiet = false;
};

std::atomic<bool> g_stop{false};

// The first SIGINT/SIGTERM stops reading and sends what is left; a second
// one exits at once (with --spool nothing is lost: the next run sends it).
void OnSignal(int) {
  if (g_stop.exchange(true)) _exit(130);
}

// Writes all of `data` to stdout (for --tee); false once stdout is gone.
bool WriteOut(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(1, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

int Usage(const std::string& message) {
  std::cerr << "lode forward: " << message << "\n";
  return 2;
}

int RunForward(const ForwardFlags& flags) {
  signal(SIGPIPE, SIG_IGN);
  auto parsed = ParseLabelFlags(flags.labels, "forward");
  if (!parsed.ok()) {
    std::cerr << parsed.status().message() << "\n";
    return 2;
  }
  std::vector<Label> labels = parsed->items();
  if (labels.empty()) labels.push_back(Label{"job", "lode-forward"});
  std::vector<std::string> urls = flags.urls;
  if (urls.empty()) urls.push_back("http://127.0.0.1:3100");
  std::vector<std::unique_ptr<Transport>> targets;
  for (const std::string& u : urls) {
    if (auto url = ParseUrl(PushUrl(u)); !url.ok()) return Usage(url.status().message());
    targets.push_back(
        std::make_unique<HttpPushTransport>(PushUrl(u), flags.tenant, flags.durable, flags.token));
  }
  auto wait = ParseSecondsOrDuration(flags.batch_wait);
  if (!wait.ok() || *wait <= 0) {
    return Usage("invalid --batch-wait: " +
                 (wait.ok() ? std::string("must be positive") : wait.status().message()));
  }
  auto max_block = ParseSecondsOrDuration(flags.max_block);
  if (!max_block.ok() || *max_block < 0) {
    return Usage("invalid --max-block: " + (max_block.ok() ? std::string("must not be negative")
                                                           : max_block.status().message()));
  }
  if (flags.concurrency < 1) return Usage("invalid --concurrency: must be at least 1");
  auto cooldown = ParseSecondsOrDuration(flags.circuit_cooldown);
  if (!cooldown.ok() || *cooldown <= 0) return Usage("invalid --circuit-cooldown");
  double rate = 0;
  if (!flags.rate_limit.empty()) {
    auto bytes = ParseHumanBytes(flags.rate_limit);
    if (!bytes.ok()) return Usage("invalid --rate-limit: " + bytes.status().message());
    rate = static_cast<double>(*bytes);
  }
  auto spool_max = ParseHumanBytes(flags.spool_max);
  if (!spool_max.ok()) return Usage("invalid --spool-max: " + spool_max.status().message());
  MultilineOptions multiline;
  if (!flags.multiline_start.empty()) {
    multiline.mode = MultilineOptions::Mode::kPattern;
    multiline.start = flags.multiline_start;
  } else if (flags.multiline == "auto") {
    multiline.mode = MultilineOptions::Mode::kAuto;
  } else if (flags.multiline == "none") {
    multiline.mode = MultilineOptions::Mode::kNone;
  } else {
    return Usage("--multiline must be auto or none (or give --multiline-start)");
  }
  auto joiner = MultilineJoiner::Create(multiline);
  if (!joiner.ok()) return Usage(joiner.status().message());

  std::unique_ptr<Spool> spool;
  if (!flags.spool.empty()) {
    auto opened = Spool::Open(Env::Default(), flags.spool);
    if (!opened.ok()) {
      std::cerr << "lode forward: spool " << flags.spool << ": " << opened.status().message()
                << "\n";
      return 1;
    }
    spool = std::move(*opened);
  }

  ForwarderOptions options;
  options.labels = Labels(std::move(labels));
  options.batch_max_bytes = flags.batch_bytes;
  options.batch_wait = std::chrono::milliseconds(std::max<int64_t>(1, *wait / 1'000'000));
  options.max_queued_batches = std::max<size_t>(1, flags.buffer_batches);
  options.concurrency = flags.concurrency;
  options.max_block = std::chrono::milliseconds(*max_block / 1'000'000);
  const bool keep_everything = flags.durable || spool != nullptr;
  options.max_retries = flags.max_retries != -2 ? flags.max_retries : (keep_everything ? -1 : 10);
  options.drop_oldest = !keep_everything;
  options.spool = spool.get();
  options.spool_max_bytes = *spool_max;
  options.max_bytes_per_second = rate;

  CircuitBreakerOptions breaker;
  breaker.failures_to_open = std::max(1, flags.circuit_failures);
  breaker.cooldown = std::chrono::milliseconds(*cooldown / 1'000'000);
  FailoverTransport transport(std::move(targets), urls, breaker);
  Forwarder forwarder(transport, options);

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  TimestampDetector detector(NowNanos());
  const bool detect = multiline.mode == MultilineOptions::Mode::kAuto;
  std::vector<JoinedRecord> records;
  bool tee = flags.tee;
  auto emit = [&] {
    for (JoinedRecord& r : records) {
      std::string text = std::move(r.text);
      if (tee) {
        // Passed on once it is the forwarder's: in the spool, with one.
        forwarder.AddLine(text);
        text += '\n';
        if (!WriteOut(text)) tee = false;
      } else {
        forwarder.AddLine(std::move(text));
      }
    }
    records.clear();
  };
  LineSplitter splitter;
  auto on_line = [&](std::string_view line) {
    (*joiner)->Add(line, detect ? detector.Detect(line) : std::nullopt, records);
  };
  std::string chunk(1 << 16, '\0');
  const int idle_ms = static_cast<int>(options.batch_wait.count());
  while (!g_stop.load()) {
    pollfd pfd{0, POLLIN, 0};
    int ready = poll(&pfd, 1, idle_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (ready == 0) {
      // Input is idle: a record being joined is complete.
      (*joiner)->Flush(records);
      emit();
      continue;
    }
    ssize_t n = ::read(0, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    splitter.Add(std::string_view(chunk.data(), static_cast<size_t>(n)), on_line);
    emit();
  }
  splitter.Finish(on_line);
  (*joiner)->Flush(records);
  emit();
  Status done = forwarder.Finish();
  ForwarderStats stats = forwarder.stats();
  FailoverTransport::Stats targets_stats = transport.stats();
  if (!flags.quiet) {
    log::Info("forward finished",
              {{"lines", std::to_string(stats.lines_read)},
               {"sent", std::to_string(stats.lines_sent)},
               {"batches", std::to_string(stats.batches_sent)},
               {"retries", std::to_string(stats.retries)},
               {"dropped", std::to_string(stats.lines_dropped)},
               {"dropped_overflow", std::to_string(stats.lines_dropped_overflow)},
               {"read_wait", std::to_string(stats.read_wait_ms) + "ms"},
               {"replayed_batches", std::to_string(stats.batches_replayed)},
               {"failovers", std::to_string(targets_stats.failovers)},
               {"circuit_opens", std::to_string(targets_stats.circuit_opens)}});
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
      "forward",
      "Read log lines from stdin and push them to lode (or Loki), batching, retrying and "
      "failing over; with --spool, nothing read is lost if the forwarder or the server dies.");
  cmd->add_option("--url", flags->urls,
                  "lode or Loki base URL; repeat for failover targets, tried in order "
                  "(default http://127.0.0.1:3100)")
      ->allow_extra_args(false);
  cmd->add_option("--label,-l", flags->labels, "Stream label NAME=VALUE (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--tenant", flags->tenant, "Tenant ID sent as X-Scope-OrgID");
  cmd->add_option("--token", flags->token, "Bearer token (default: $LODE_TOKEN)")
      ->envname("LODE_TOKEN");
  cmd->add_flag("--durable", flags->durable,
                "Ask for fsync before acknowledgement, and retry forever");
  cmd->add_option("--spool", flags->spool,
                  "Keep every line in this directory until a server accepted it; lines a "
                  "crashed run left are sent first (implies retrying forever)");
  cmd->add_option("--spool-max", flags->spool_max,
                  "Past this much spooled data, reading waits (default 1GiB)");
  cmd->add_option("--batch-bytes", flags->batch_bytes, "Send a batch at this size (default 1MiB)");
  cmd->add_option("--batch-wait", flags->batch_wait,
                  "Send a batch at this age, e.g. 500ms (default 1s)");
  cmd->add_option("--buffer-batches", flags->buffer_batches,
                  "Batches kept in memory waiting to be sent; when they are full, reading "
                  "waits (default 16)");
  cmd->add_option("--concurrency", flags->concurrency,
                  "Batches sent at once, each over its own connection (default 4)");
  cmd->add_option("--max-block", flags->max_block,
                  "Without --spool or --durable: once the buffer is full and no server has "
                  "accepted anything for this long, the oldest batch is dropped (and counted) "
                  "so that reading goes on, e.g. 500ms (default 1s)");
  cmd->add_option("--max-retries", flags->max_retries,
                  "Retries per batch before dropping it; -1 = forever (default 10, or forever "
                  "with --durable or --spool)");
  cmd->add_option(
      "--rate-limit", flags->rate_limit,
      "Send at most this many bytes of lines per second, e.g. 10MB (default: no limit)");
  cmd->add_flag("--tee", flags->tee,
                "Copy the input to stdout (with --spool, each line once it is spooled)");
  cmd->add_option("--multiline", flags->multiline,
                  "auto: lines without a leading time continue the record before them; none "
                  "(default): one record per line");
  cmd->add_option("--multiline-start", flags->multiline_start,
                  "A regex (RE2) matching the first line of each record");
  cmd->add_option("--circuit-failures", flags->circuit_failures,
                  "Failures in a row that open a target's circuit (default 5)");
  cmd->add_option("--circuit-cooldown", flags->circuit_cooldown,
                  "How long an open circuit skips its target before a trial (default 5s)");
  cmd->add_flag("--quiet,-q", flags->quiet, "No summary on exit");
  return [flags] { return RunForward(*flags); };
}

}  // namespace lode
