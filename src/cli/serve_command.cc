// lode serve
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <memory>

#include "api/api.h"
#include "api/api_params.h"
#include "base/log.h"
#include "base/metrics.h"
#include "cli/cluster_metrics.h"
#include "cli/commands.h"
#include "cli/http_peer_client.h"
#include "cli/ruler_http_sender.h"
#include "cli/serve_config.h"
#include "cluster/cluster_node.h"
#include "ingest/ingest_sink.h"
#include "ingest/ingester.h"
#include "io/open_files.h"
#include "ruler/ruler.h"
#include "storage/local_store.h"
#include "transport/http_server.h"
#include "transport/syslog_listener.h"

namespace lode {
namespace {

struct ServeFlags {
  std::string config_path;
  ServeConfig config;  // flag values; applied only where given
  CLI::Option* data = nullptr;
  CLI::Option* listen = nullptr;
  CLI::Option* log_level = nullptr;
  CLI::Option* syslog_tcp = nullptr;
  CLI::Option* syslog_udp = nullptr;
};

// The single node's storage figures in /metrics.
void RegisterStoreMetrics(MetricsRegistry& metrics, LocalStore* store_ptr) {
  auto stat_gauge = [&](const char* name, const char* help, uint64_t StorageStats::*field) {
    metrics.AddGauge(name, help,
                     [store_ptr, field] { return static_cast<double>(store_ptr->Stats().*field); });
  };
  stat_gauge("lode_stored_records", "Records held by the store (parts and heads).",
             &StorageStats::records);
  stat_gauge("lode_head_records", "Records in memory, not yet flushed to parts.",
             &StorageStats::head_records);
  stat_gauge("lode_head_bytes", "Approximate memory held by heads.", &StorageStats::head_bytes);
  stat_gauge("lode_parts", "Part files published.", &StorageStats::parts);
  stat_gauge("lode_part_bytes", "Bytes of part files on disk.", &StorageStats::part_bytes);
  stat_gauge("lode_merges_running", "1 while a part merge runs.", &StorageStats::merges_running);
  metrics.AddCounterFunc(
      "lode_appends_held_total", "Durable appends that waited for head memory (backpressure).",
      [store_ptr] { return static_cast<double>(store_ptr->Stats().appends_held); });
  metrics.AddCounterFunc(
      "lode_appends_refused_total", "Appends refused (503) because head memory was full.",
      [store_ptr] { return static_cast<double>(store_ptr->Stats().appends_refused); });
  metrics.AddCounterFunc("lode_merges_total", "Part merges completed.",
                         [store_ptr] { return static_cast<double>(store_ptr->Stats().merges); });
  metrics.AddCounterFunc(
      "lode_part_flush_bytes_total", "Part bytes written by head flushes.",
      [store_ptr] { return static_cast<double>(store_ptr->Stats().flush_bytes); });
  metrics.AddCounterFunc(
      "lode_part_merge_bytes_total",
      "Part bytes written by merges; (flush + merge) / flush is the write amplification.",
      [store_ptr] { return static_cast<double>(store_ptr->Stats().merge_bytes); });
  metrics.AddCounterFunc(
      "lode_retention_removed_parts_total", "Parts deleted by retention (age or size).",
      [store_ptr] { return static_cast<double>(store_ptr->Stats().retention_removed_parts); });
  metrics.AddCounterFunc(
      "lode_retention_removed_bytes_total", "Bytes of parts deleted by retention.",
      [store_ptr] { return static_cast<double>(store_ptr->Stats().retention_removed_bytes); });
  metrics.AddCounterFunc(
      "lode_corrupt_blocks_total",
      "Reads of a part block that failed its checksum or decoding and skipped it.",
      [store_ptr] { return static_cast<double>(store_ptr->Stats().corrupt_blocks); });
  metrics.AddCounterFunc(
      "lode_duplicate_records_total",
      "Records not stored because a record with the same record id was "
      "(durability.record_id_keys).",
      [store_ptr] { return static_cast<double>(store_ptr->Stats().duplicate_records); });
}

// Descriptors, as Prometheus's process collector names them, and the
// cache of open part files (io/open_files.h).
void RegisterFileMetrics(MetricsRegistry& metrics) {
  metrics.AddGauge("process_open_fds", "Number of open file descriptors.", [] {
    std::error_code ec;
    size_t n = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
         it.increment(ec)) {
      ++n;
    }
    return static_cast<double>(n);
  });
  metrics.AddGauge("process_max_fds", "Maximum number of open file descriptors.",
                   [] { return static_cast<double>(OpenFileLimit()); });
  metrics.AddGauge("lode_open_part_files", "Part files whose descriptors are held open now.",
                   [] { return static_cast<double>(OpenFileCache::Parts().open_files()); });
  metrics.AddCounterFunc("lode_part_file_reopens_total",
                         "Part files opened again after their descriptors were closed for others.",
                         [] { return static_cast<double>(OpenFileCache::Parts().reopens()); });
}

int Fail(const std::string& what, const Status& status) {
  log::Error(what, {{"err", status.message()}});
  return 1;
}

// Queries decode blocks of about a megabyte, one after another, on many
// threads. By default glibc serves such buffers with mmap and returns them
// on free, so every block decoded faults in fresh zeroed pages (a third of
// a needle query's time). Keeping them in the heap lets blocks reuse
// memory; the trim threshold bounds what a quiet server keeps.
// Ingest threads allocate head records that the flusher frees while new
// records arrive; with an arena per thread (glibc's default is 8 per
// core) each arena keeps its own half-empty pages, and the resident size
// measured while ingesting 300 MB was 450 MB with default arenas and
// 190 MB with two, at the same ingest rate.
void TuneAllocator() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_ARENA_MAX, 2);
}

// File descriptors kept for everything but HTTP connections, part files
// and WAL files (the store's directories, files opened for a moment, log
// output, a WAL burst past its budget), and for the syslog listener's TCP
// connections (at most 1000) when it is on.
constexpr uint64_t kReservedFds = 128;
constexpr uint64_t kSyslogTcpFds = 1000;

// Raises the soft limit on open files to the hard limit (the soft one is
// often 1024, below the connection cap) and returns the HTTP connection
// cap that fits under it beside the store's part and WAL files.
uint64_t FitConnectionsToFileLimit(const ServeConfig& config) {
  uint64_t wanted = config.http.max_connections;
  const uint64_t limit = RaiseOpenFileLimit();
  if (limit == UINT64_MAX) return wanted;
  uint64_t reserved = kReservedFds + PartFileBudget(limit) + 2 * WalFileBudget(limit) +
                      (config.syslog_tcp.empty() ? 0 : kSyslogTcpFds);
  uint64_t room = limit > reserved + 16 ? limit - reserved : 16;
  if (wanted <= room) return wanted;
  log::Warn("http.max_connections lowered to fit the open file limit",
            {{"max_connections", std::to_string(room)},
             {"configured", std::to_string(wanted)},
             {"open_file_limit", std::to_string(limit)}});
  return room;
}

int RunServe(const ServeFlags& flags) {
  TuneAllocator();
  // Before the store opens: its budgets of part and WAL files are shares
  // of the limit (io/open_files.h).
  RaiseOpenFileLimit();
  ServeConfig config;
  if (!flags.config_path.empty()) {
    if (Status s = LoadServeConfigFile(flags.config_path, config); !s.ok()) {
      return Fail("cannot load config", s);
    }
  }
  if (flags.data->count() > 0) config.data = flags.config.data;
  if (flags.listen->count() > 0) config.listen = flags.config.listen;
  if (flags.log_level->count() > 0) config.log_level = flags.config.log_level;
  if (flags.syslog_tcp->count() > 0) config.syslog_tcp = flags.config.syslog_tcp;
  if (flags.syslog_udp->count() > 0) config.syslog_udp = flags.config.syslog_udp;

  log::Level level;
  if (!log::ParseLevel(config.log_level, level)) {
    return Fail("invalid log level", Status::InvalidArgument(config.log_level));
  }
  log::SetMinLevel(level);

  std::string host;
  uint16_t port;
  if (Status s = SplitHostPort(config.listen, host, port); !s.ok()) return Fail("bad --listen", s);

  // Block the shutdown signals in every thread started from here on; this
  // thread waits for them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  LocalStoreOptions store_options;
  store_options.data_dir = config.data;
  store_options.flush_interval = config.flush_interval;
  store_options.log.max_head_bytes = config.head_max_bytes;
  store_options.max_heads_bytes = config.heads_max_bytes;
  store_options.log.max_head_age = config.head_max_age;
  store_options.log.cold_after = config.cold_after;
  store_options.log.small_day_cold_after = config.small_day_cold_after;
  if (config.record_id_keys) store_options.log.record_id_keys = *config.record_id_keys;
  store_options.retention_period = std::chrono::nanoseconds(config.retention_period_ns);
  store_options.retention_bytes = config.retention_size;
  for (const auto& [tenant, r] : config.tenants) {
    store_options.tenant_retention[tenant] = LocalStoreOptions::Retention{
        std::chrono::nanoseconds(r.retention_period_ns.value_or(config.retention_period_ns)),
        r.retention_size.value_or(config.retention_size)};
  }
  std::vector<std::vector<Matcher>> audit_streams;
  for (const std::string& selector : config.audit_streams) {
    auto matchers = ParseSelector(selector);
    if (!matchers.ok()) return Fail("bad durability.audit_streams selector", matchers.status());
    audit_streams.push_back(std::move(*matchers));
  }
  store_options.log.audit_streams = audit_streams;
  MetricsRegistry metrics;
  RegisterFileMetrics(metrics);
  std::unique_ptr<LocalStore> local_store;  // a single node
  std::unique_ptr<ClusterNode> cluster;     // or a cluster member
  std::unique_ptr<StorageSink> local_sink;
  HttpPeerClient peers(config.cluster ? config.cluster->secret : "");
  Storage* storage = nullptr;
  IngestSink* sink = nullptr;
  if (config.cluster) {
    ClusterOptions cluster_options = *config.cluster;
    if (config.record_id_keys) cluster_options.record_id_keys = *config.record_id_keys;
    cluster_options.audit_streams = audit_streams;
    cluster_options.retention = {store_options.retention_period, store_options.retention_bytes};
    for (const auto& [tenant, r] : store_options.tenant_retention) {
      cluster_options.tenant_retention[tenant] = {r.period, r.bytes};
    }
    auto joined = ClusterNode::Start(Env::Default(), cluster_options, &peers);
    if (!joined.ok()) return Fail("cannot join the cluster", joined.status());
    cluster = std::move(*joined);
    storage = &cluster->storage();
    sink = &cluster->sink();
    RegisterClusterMetrics(metrics, *cluster);
  } else {
    auto store = LocalStore::Open(Env::Default(), store_options);
    if (!store.ok()) return Fail("cannot open data directory " + config.data, store.status());
    local_store = std::move(*store);
    local_sink = std::make_unique<StorageSink>(*local_store);
    storage = local_store.get();
    sink = local_sink.get();
    RegisterStoreMetrics(metrics, local_store.get());
  }
  ApiOptions api_options;
  api_options.max_limit = config.max_query_limit;
  api_options.query_timeout = config.query_timeout;
  api_options.max_query_series = config.max_query_series;
  api_options.max_query_bytes = config.max_query_bytes;
  api_options.push.max_decoded_body_bytes = config.max_body_size;
  if (config.otlp_resource_labels) {
    api_options.otlp.resource_attributes_as_labels = *config.otlp_resource_labels;
  }
  IngesterOptions ingest_options;
  ingest_options.limits = config.ingest_limits;
  ingest_options.tenant_limits = config.tenant_ingest_limits;
  auto durability_of = [](const std::string& name) {
    return name == "durable" ? Durability::kDurable : Durability::kBestEffort;
  };
  ingest_options.default_durability = durability_of(config.default_durability);
  for (const auto& [protocol, name] : config.protocol_durability) {
    ingest_options.protocol_durability[protocol] = durability_of(name);
  }
  for (const std::string& selector : config.durable_streams) {
    auto matchers = ParseSelector(selector);
    if (!matchers.ok()) return Fail("bad durability.durable_streams selector", matchers.status());
    ingest_options.durable_streams.push_back(std::move(*matchers));
  }
  // Audit streams are durable whatever the push asks.
  for (const std::vector<Matcher>& selector : audit_streams) {
    ingest_options.durable_streams.push_back(selector);
  }
  Ingester ingester(*sink, metrics, std::move(ingest_options));
  for (const ServeConfig::Token& t : config.tokens) {
    api_options.tokens.push_back(AuthToken{t.token, t.tenant, t.read, t.write});
  }
  if (cluster) {
    ClusterNode* node = cluster.get();
    api_options.cluster_recent = [node](std::string_view body) { return node->AnswerRecent(body); };
    api_options.cluster_secret = config.cluster->secret;
  }
  // The ruler reads the same store as queries; its rule files are loaded
  // before the server starts, so a bad one stops lode at once.
  RulerHttpSender ruler_sender;
  std::unique_ptr<Ruler> ruler;
  if (config.ruler) {
    RulerOptions ruler_options = *config.ruler;
    ruler_options.state_dir = JoinPath(config.data, "ruler");
    ruler_options.query_timeout_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(config.query_timeout).count();
    ruler_options.max_series = config.max_query_series;
    if (ruler_options.external_url.empty()) {
      std::string h = host == "0.0.0.0" || host.empty() ? "127.0.0.1" : host;
      if (h.find(':') != std::string::npos) h = "[" + h + "]";
      ruler_options.external_url = std::string(config.tls_cert_file.empty() ? "http" : "https") +
                                   "://" + h + ":" + std::to_string(port);
    }
    ruler = std::make_unique<Ruler>(std::move(ruler_options), *storage, *Env::Default(), metrics,
                                    ruler_sender);
    if (Status s = ruler->Start(); !s.ok()) return Fail("cannot load the rules", s);
    api_options.ruler = ruler.get();
  }
  Api api(*storage, ingester, metrics, api_options);

  HttpServerOptions http_options;
  http_options.host = host;
  http_options.port = port;
  http_options.max_body_bytes = config.max_body_size;
  http_options.tls_cert_file = config.tls_cert_file;
  http_options.tls_key_file = config.tls_key_file;
  http_options.header_timeout = config.http.header_timeout;
  http_options.body_timeout = config.http.body_timeout;
  http_options.idle_timeout = config.http.idle_timeout;
  http_options.max_connections = FitConnectionsToFileLimit(config);
  http_options.metrics = &metrics;
  auto server = HttpServer::Start(
      http_options, [&api](HttpRequest& r) { return api.Handle(r); }, api.TailHandler());
  if (!server.ok()) return Fail("cannot listen on " + config.listen, server.status());
  if (cluster) cluster->Activate();

  std::unique_ptr<SyslogListener> syslog;
  if (!config.syslog_tcp.empty() || !config.syslog_udp.empty()) {
    SyslogListenerOptions syslog_options;
    syslog_options.tcp = config.syslog_tcp;
    syslog_options.udp = config.syslog_udp;
    const std::string tenant = config.syslog_tenant;
    auto started =
        SyslogListener::Start(syslog_options, [&ingester, tenant](std::vector<StreamBatch>& b) {
          // No client to answer: refusals are counted in /metrics, and a
          // TCP connection waits out a full store (SyslogSink).
          IngestRequest request;
          request.tenant = tenant;
          request.protocol = "syslog";
          PushReport report;
          return ingester.Ingest(request, b, report);
        });
    if (!started.ok()) return Fail("cannot start the syslog listeners", started.status());
    syslog = std::move(*started);
  }

  std::string shown_host = host == "0.0.0.0" ? "127.0.0.1" : host;
  if (shown_host.find(':') != std::string::npos) shown_host = "[" + shown_host + "]";
  std::string base = std::string(config.tls_cert_file.empty() ? "http" : "https") + "://" +
                     shown_host + ":" + std::to_string((*server)->port());
  if (syslog) {
    log::Info("syslog is listening",
              {{"tcp", syslog->tcp_port() ? std::to_string(syslog->tcp_port()) : "off"},
               {"udp", syslog->udp_port() ? std::to_string(syslog->udp_port()) : "off"},
               {"tenant", config.syslog_tenant}});
  }
  log::Info("lode is ready",
            {{"listen", host + ":" + std::to_string((*server)->port())},
             {"data", cluster ? "cluster " + config.cluster->node_id : config.data},
             {"api", base + "/loki/api/v1/"},
             {"ui", base + "/"},
             {"metrics", base + "/metrics"}});

  int sig = 0;
  sigwait(&signals, &sig);
  log::Info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  api.SetReady(false);
  if (syslog) syslog->Stop();
  (*server)->Stop();
  if (ruler) ruler->Stop();
  if (cluster) {
    // What this member holds goes into parts and its leases are released,
    // so the others take its partitions over at once.
    cluster->Stop(/*hand_over=*/true);
  } else {
    Status closed = local_store->Close();
    if (!closed.ok()) return Fail("flush on shutdown failed", closed);
  }
  log::Info("stopped cleanly");
  return 0;
}

}  // namespace

CommandRunner AddServeCommand(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Run the log store: push and query API, storage and metrics on one port.");
  cmd->add_option("--config", flags->config_path, "YAML config file (flags override it)");
  flags->data =
      cmd->add_option("--data", flags->config.data, "Data directory (default ./lode-data)");
  flags->listen = cmd->add_option("--listen", flags->config.listen,
                                  "HTTP listen address HOST:PORT (default 127.0.0.1:3100)");
  flags->log_level = cmd->add_option("--log-level", flags->config.log_level,
                                     "debug, info, warn or error (default info)");
  flags->syslog_tcp =
      cmd->add_option("--syslog-tcp", flags->config.syslog_tcp,
                      "Receive syslog (RFC 5424/3164, octet-counted or newline framed) over TCP "
                      "on HOST:PORT (default off)");
  flags->syslog_udp = cmd->add_option("--syslog-udp", flags->config.syslog_udp,
                                      "Receive syslog over UDP on HOST:PORT (default off)");
  return [flags] { return RunServe(*flags); };
}

}  // namespace lode
