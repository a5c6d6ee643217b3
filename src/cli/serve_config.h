// Settings of `lode serve`: defaults, then the YAML config file, then
// flags (flags win).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/host_port.h"
#include "base/status.h"
#include "cluster/cluster_options.h"
#include "ingest/ingest_limits.h"
#include "ruler/ruler_options.h"

namespace lode {

struct ServeConfig {
  std::string data = "./lode-data";
  std::string listen = "127.0.0.1:3100";
  std::chrono::milliseconds flush_interval{1000};
  std::string log_level = "info";
  uint64_t max_body_size = 64ull << 20;
  uint64_t max_query_limit = 10000;
  // A query stops with an error past this time (0: never), this many
  // series in a metric result, or this many line bytes read (0: any).
  std::chrono::milliseconds query_timeout{std::chrono::minutes(1)};
  uint64_t max_query_series = 500;
  uint64_t max_query_bytes = 0;
  // A tenant's in-memory head is flushed to a part past this size or age.
  uint64_t head_max_bytes = 32ull << 20;
  std::chrono::milliseconds head_max_age{std::chrono::minutes(10)};
  // A past day is rewritten once, compressed hard, when its records are
  // this old; a small day (16 MiB of lines or less), after the second.
  std::chrono::milliseconds cold_after{std::chrono::hours(24)};
  std::chrono::milliseconds small_day_cold_after{std::chrono::minutes(10)};
  // All tenants' heads together: past half, the largest are flushed early;
  // past all of it, appends wait (durable) or get 429 (best-effort).
  // With the defaults, ingesting as fast as a client can send stays
  // under 256 MB resident (`make bench` reports the peak).
  uint64_t heads_max_bytes = 64ull << 20;
  // Per tenant: delete data older than this (0: forever) or beyond this
  // many bytes of parts (0: no limit).
  int64_t retention_period_ns = 0;
  uint64_t retention_size = 0;
  // Per-tenant overrides of the two retention settings (`tenants:` in the
  // config file); a tenant not listed uses the values above.
  struct TenantRetention {
    std::optional<int64_t> retention_period_ns;
    std::optional<uint64_t> retention_size;
  };
  std::map<std::string, TenantRetention> tenants;
  // What a push may hold (`limits:` in the config file, with Loki's
  // limits_config names), and per-tenant overrides of it (the same keys
  // under `tenants.<name>`; a key left out is the global one).
  IngestLimits ingest_limits;
  std::map<std::string, IngestLimits> tenant_ingest_limits;
  // OTLP resource attributes that become stream labels (`otlp:
  // resource_attributes_as_labels: [...]`); unset: Loki's default list.
  std::optional<std::vector<std::string>> otlp_resource_labels;
  // Syslog listeners (HOST:PORT; empty: off) and the tenant their records
  // go to.
  std::string syslog_tcp;
  std::string syslog_udp;
  std::string syslog_tenant = "fake";
  // Durability of pushes that ask for none ("durable" or "best-effort"),
  // by protocol, and the selectors of streams that are always durable.
  std::string default_durability = "best-effort";
  std::map<std::string, std::string> protocol_durability;
  std::vector<std::string> durable_streams;
  // Selectors of audit streams: durable, and hash-chained (lode verify).
  std::vector<std::string> audit_streams;
  // Structured metadata names that carry a record id (unset: the store's
  // default, log_record_uid and record_id; empty: no record ids).
  std::optional<std::vector<std::string>> record_id_keys;
  // Bearer tokens (`auth: tokens:`), each bound to one tenant and to read
  // and/or write; none: auth is off.
  struct Token {
    std::string token;
    std::string tenant;
    bool read = true;
    bool write = true;
  };
  std::vector<Token> tokens;
  // PEM certificate chain and key (`tls: {cert_file, key_file}`): serve
  // HTTPS.
  std::string tls_cert_file;
  std::string tls_key_file;
  // The HTTP server against slow and idle clients (`http:` in the config
  // file; see HttpServerOptions).
  struct Http {
    // A request header must arrive within this.
    std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
    // A request body may pause this long between reads.
    std::chrono::milliseconds body_timeout{std::chrono::seconds(30)};
    // A kept-alive connection waits this long for its next request.
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(120)};
    // Connections open at once, WebSocket tails included.
    uint64_t max_connections = 4096;
  };
  Http http;

  // Set when the config has a `cluster:` section: this node is a cluster
  // member (README, "Scaling out").
  std::optional<ClusterOptions> cluster;

  // Set when the config has a `ruler:` section: alerting and recording
  // rules are evaluated (README, "Alerts").
  std::optional<RulerOptions> ruler;
};

// Sets one ingest limit by its config name (max_line_size, ...): NotFound
// for a name that is not a limit, InvalidArgument for a bad value.
Status ApplyIngestLimit(const std::string& key, const std::string& value, IngestLimits& limits);

// Applies the keys present in a YAML config file onto `config`. Unknown
// keys are errors, so a misspelt setting is never silently ignored.
Status LoadServeConfigFile(const std::string& path, ServeConfig& config);
// Same, from YAML text (used by the loader and by tests).
Status ParseServeConfig(const std::string& yaml_text, ServeConfig& config);

}  // namespace lode

namespace YAML {
class Node;
}

namespace lode {

// The `cluster:` section (serve_config_cluster.cc).
Status ParseClusterConfig(const YAML::Node& node, ServeConfig& config);
// The `ruler:` section (serve_config_ruler.cc).
Status ParseRulerConfig(const YAML::Node& node, ServeConfig& config);

}  // namespace lode
