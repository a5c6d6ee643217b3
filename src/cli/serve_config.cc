#include "cli/serve_config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>

#include "base/time.h"
#include "io/env.h"
#include "model/tenant.h"
#include "query/value_parse.h"

namespace lode {

namespace {

std::string AtLine(const YAML::Node& node) {
  return " at line " + std::to_string(node.Mark().line + 1);
}

// tenants:
//   audit: {retention_period: 365d}
//   debug: {retention_period: 3d, retention_size: 10000000000}
// A setting a tenant leaves out is the top-level one.
// The ingest-limit keys a tenant sets, applied once the global `limits:`
// are known (they may come later in the file).
using TenantLimitOverrides =
    std::map<std::string, std::vector<std::pair<std::string, std::string>>>;

Status ParseTenants(const YAML::Node& tenants, ServeConfig& config,
                    TenantLimitOverrides& overrides) {
  if (!tenants.IsMap()) {
    return Status::InvalidArgument("config key \"tenants\"" + AtLine(tenants) +
                                   " must map tenant names to their settings");
  }
  for (const auto& tenant : tenants) {
    std::string name = tenant.first.as<std::string>();
    if (Status s = ValidateTenant(name); !s.ok()) {
      return Status::InvalidArgument("tenants: " + s.message() + AtLine(tenant.first));
    }
    if (!tenant.second.IsMap()) {
      return Status::InvalidArgument("tenants." + name + AtLine(tenant.first) +
                                     " must be a mapping of settings");
    }
    ServeConfig::TenantRetention retention;
    for (const auto& item : tenant.second) {
      std::string key = item.first.as<std::string>();
      if (!item.second.IsScalar()) {
        return Status::InvalidArgument("tenants." + name + "." + key + AtLine(item.first) +
                                       " needs a single value");
      }
      if (key == "retention_period") {
        auto d = ParseSecondsOrDuration(item.second.as<std::string>());
        if (!d.ok()) return d.status().WithContext("tenants." + name + ".retention_period");
        retention.retention_period_ns = *d;
      } else if (key == "retention_size") {
        retention.retention_size = item.second.as<uint64_t>();
      } else {
        IngestLimits probe;
        Status s = ApplyIngestLimit(key, item.second.as<std::string>(), probe);
        if (s.code() == StatusCode::kNotFound) {
          return Status::InvalidArgument(
              "unknown tenant setting \"" + key + "\"" + AtLine(item.first) +
              " (per tenant: retention_period, retention_size and the keys of limits:)");
        }
        if (!s.ok()) return s.WithContext("tenants." + name + AtLine(item.first));
        overrides[name].emplace_back(key, item.second.as<std::string>());
      }
    }
    config.tenants[name] = retention;
  }
  return Status::Ok();
}

Status ParseLimits(const YAML::Node& limits, IngestLimits& out) {
  if (!limits.IsMap()) {
    return Status::InvalidArgument("config key \"limits\"" + AtLine(limits) +
                                   " must map limit names to values");
  }
  for (const auto& item : limits) {
    std::string key = item.first.as<std::string>();
    if (!item.second.IsScalar()) {
      return Status::InvalidArgument("limits." + key + AtLine(item.first) +
                                     " needs a single value");
    }
    Status s = ApplyIngestLimit(key, item.second.as<std::string>(), out);
    if (s.code() == StatusCode::kNotFound) {
      return Status::InvalidArgument("unknown limit \"" + key + "\"" + AtLine(item.first));
    }
    if (!s.ok()) return s.WithContext("limits" + AtLine(item.first));
  }
  return Status::Ok();
}

// auth:
//   tokens:
//     - {token: "s3cret", tenant: team-a, access: read-write}   # read, write
Status ParseAuth(const YAML::Node& node, ServeConfig& config) {
  if (!node.IsMap()) {
    return Status::InvalidArgument("config key \"auth\"" + AtLine(node) + " must be a mapping");
  }
  for (const auto& item : node) {
    std::string key = item.first.as<std::string>();
    if (key != "tokens" || !item.second.IsSequence()) {
      return Status::InvalidArgument("auth." + key + AtLine(item.first) +
                                     ": the auth setting is tokens: [{token, tenant, access}]");
    }
    for (const auto& entry : item.second) {
      if (!entry.IsMap()) {
        return Status::InvalidArgument("auth.tokens" + AtLine(entry) +
                                       ": each token is {token, tenant, access}");
      }
      ServeConfig::Token token;
      std::string access = "read-write";
      for (const auto& field : entry) {
        std::string name = field.first.as<std::string>();
        if (name == "token") {
          token.token = field.second.as<std::string>();
        } else if (name == "tenant") {
          token.tenant = field.second.as<std::string>();
        } else if (name == "access") {
          access = field.second.as<std::string>();
        } else {
          return Status::InvalidArgument("auth.tokens" + AtLine(field.first) +
                                         ": unknown field \"" + name +
                                         "\" (token, tenant, access)");
        }
      }
      if (token.token.size() < 8) {
        return Status::InvalidArgument("auth.tokens" + AtLine(entry) +
                                       ": a token must be at least 8 characters");
      }
      if (Status s = ValidateTenant(token.tenant); !s.ok()) {
        return s.WithContext("auth.tokens" + AtLine(entry));
      }
      if (access == "read") {
        token.write = false;
      } else if (access == "write") {
        token.read = false;
      } else if (access != "read-write") {
        return Status::InvalidArgument("auth.tokens" + AtLine(entry) + ": access \"" + access +
                                       "\" is not read, write or read-write");
      }
      config.tokens.push_back(std::move(token));
    }
  }
  return Status::Ok();
}

// durability:
//   default: best-effort
//   protocols: {otlp: durable, syslog: best-effort}
//   durable_streams: ['{app="audit"}']
//   audit_streams: ['{app="ledger"}']
//   record_id_keys: [log_record_uid, record_id]
Status ParseDurability(const YAML::Node& node, ServeConfig& config) {
  if (!node.IsMap()) {
    return Status::InvalidArgument("config key \"durability\"" + AtLine(node) +
                                   " must be a mapping");
  }
  auto read = [](const YAML::Node& v, const std::string& where, std::string& out) -> Status {
    std::string text = v.as<std::string>();
    if (text != "durable" && text != "best-effort") {
      return Status::InvalidArgument(where + AtLine(v) + ": \"" + text +
                                     "\" is not durable or best-effort");
    }
    out = text;
    return Status::Ok();
  };
  for (const auto& item : node) {
    std::string key = item.first.as<std::string>();
    if (key == "default") {
      LODE_RETURN_IF_ERROR(read(item.second, "durability.default", config.default_durability));
    } else if (key == "protocols") {
      if (!item.second.IsMap()) {
        return Status::InvalidArgument("durability.protocols" + AtLine(item.second) +
                                       " must map protocols to durable or best-effort");
      }
      for (const auto& p : item.second) {
        std::string protocol = p.first.as<std::string>();
        if (protocol != "loki" && protocol != "otlp" && protocol != "syslog" &&
            protocol != "jsonl" && protocol != "plain") {
          return Status::InvalidArgument("durability.protocols" + AtLine(p.first) +
                                         ": unknown protocol \"" + protocol +
                                         "\" (loki, otlp, syslog, jsonl, plain)");
        }
        LODE_RETURN_IF_ERROR(read(p.second, "durability.protocols." + protocol,
                                  config.protocol_durability[protocol]));
      }
    } else if (key == "durable_streams") {
      if (!item.second.IsSequence()) {
        return Status::InvalidArgument("durability.durable_streams" + AtLine(item.second) +
                                       " must be a list of stream selectors");
      }
      config.durable_streams = item.second.as<std::vector<std::string>>();
    } else if (key == "audit_streams") {
      if (!item.second.IsSequence()) {
        return Status::InvalidArgument("durability.audit_streams" + AtLine(item.second) +
                                       " must be a list of stream selectors");
      }
      config.audit_streams = item.second.as<std::vector<std::string>>();
    } else if (key == "record_id_keys") {
      if (!item.second.IsSequence()) {
        return Status::InvalidArgument("durability.record_id_keys" + AtLine(item.second) +
                                       " must be a list of structured metadata names");
      }
      config.record_id_keys = item.second.as<std::vector<std::string>>();
    } else {
      return Status::InvalidArgument("unknown durability setting \"" + key + "\"" +
                                     AtLine(item.first) +
                                     " (default, protocols, durable_streams, audit_streams, "
                                     "record_id_keys)");
    }
  }
  return Status::Ok();
}

// http:
//   header_timeout: 10s
//   body_timeout: 30s
//   idle_timeout: 2m
//   max_connections: 4096
Status ParseHttp(const YAML::Node& node, ServeConfig& config) {
  if (!node.IsMap()) {
    return Status::InvalidArgument("config key \"http\"" + AtLine(node) + " must be a mapping");
  }
  for (const auto& item : node) {
    std::string key = item.first.as<std::string>();
    if (!item.second.IsScalar()) {
      return Status::InvalidArgument("http." + key + AtLine(item.first) + " needs a single value");
    }
    std::string value = item.second.as<std::string>();
    auto duration = [&](std::chrono::milliseconds& field) -> Status {
      auto d = ParseSecondsOrDuration(value);
      if (!d.ok()) return d.status().WithContext("http." + key + AtLine(item.first));
      if (*d <= 0) {
        return Status::InvalidArgument("http." + key + AtLine(item.first) + " must be positive");
      }
      field = std::chrono::milliseconds(std::max<int64_t>(1, *d / 1'000'000));
      return Status::Ok();
    };
    if (key == "header_timeout") {
      LODE_RETURN_IF_ERROR(duration(config.http.header_timeout));
    } else if (key == "body_timeout") {
      LODE_RETURN_IF_ERROR(duration(config.http.body_timeout));
    } else if (key == "idle_timeout") {
      LODE_RETURN_IF_ERROR(duration(config.http.idle_timeout));
    } else if (key == "max_connections") {
      uint64_t n = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || n == 0) {
        return Status::InvalidArgument("http.max_connections" + AtLine(item.first) + ": \"" +
                                       value + "\" is not a positive count");
      }
      config.http.max_connections = n;
    } else {
      return Status::InvalidArgument(
          "unknown http setting \"" + key + "\"" + AtLine(item.first) +
          " (header_timeout, body_timeout, idle_timeout, max_connections)");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ApplyIngestLimit(const std::string& key, const std::string& value, IngestLimits& limits) {
  auto bytes = [&](uint64_t& field) -> Status {
    auto v = ParseHumanBytes(value);
    if (!v.ok()) return Status::InvalidArgument(key + ": " + v.status().message());
    field = *v;
    return Status::Ok();
  };
  auto count = [&](uint32_t& field) -> Status {
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() ||
        v > UINT32_MAX) {
      return Status::InvalidArgument(key + ": \"" + value + "\" is not a count");
    }
    field = static_cast<uint32_t>(v);
    return Status::Ok();
  };
  auto duration = [&](int64_t& field) -> Status {
    auto d = ParseSecondsOrDuration(value);
    if (!d.ok()) return d.status().WithContext(key);
    field = *d;
    return Status::Ok();
  };
  if (key == "max_line_size") return bytes(limits.max_line_size);
  if (key == "max_line_size_truncate") {
    if (value != "true" && value != "false") {
      return Status::InvalidArgument(key + " must be true or false");
    }
    limits.max_line_size_truncate = value == "true";
    return Status::Ok();
  }
  if (key == "max_label_names_per_series") return count(limits.max_label_names_per_series);
  if (key == "max_global_streams_per_user") return count(limits.max_global_streams_per_user);
  if (key == "max_label_name_length") return count(limits.max_label_name_length);
  if (key == "max_label_value_length") return count(limits.max_label_value_length);
  if (key == "max_structured_metadata_size") return bytes(limits.max_structured_metadata_size);
  if (key == "max_structured_metadata_entries_count") {
    return count(limits.max_structured_metadata_entries_count);
  }
  auto megabytes = [&](double& field) -> Status {
    double v = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || v < 0) {
      return Status::InvalidArgument(key + ": \"" + value + "\" is not a number of MiB");
    }
    field = v * 1024 * 1024;
    return Status::Ok();
  };
  if (key == "ingestion_rate_mb") return megabytes(limits.ingestion_rate_bytes);
  if (key == "ingestion_burst_size_mb") return megabytes(limits.ingestion_burst_bytes);
  if (key == "reject_old_samples_max_age") return duration(limits.reject_old_samples_max_age_ns);
  if (key == "creation_grace_period") return duration(limits.creation_grace_period_ns);
  return Status::NotFound("not an ingest limit: " + key);
}

Status ParseServeConfig(const std::string& yaml_text, ServeConfig& config) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("invalid YAML: ") + e.what());
  }
  if (root.IsNull()) return Status::Ok();
  if (!root.IsMap()) return Status::InvalidArgument("config must be a mapping of keys to values");
  TenantLimitOverrides overrides;
  try {
    for (const auto& item : root) {
      std::string key = item.first.as<std::string>();
      const YAML::Node& value = item.second;
      if (key == "tenants") {
        LODE_RETURN_IF_ERROR(ParseTenants(value, config, overrides));
        continue;
      }
      if (key == "otlp") {
        if (!value.IsMap()) {
          return Status::InvalidArgument("config key \"otlp\"" + AtLine(value) +
                                         " must be a mapping");
        }
        for (const auto& o : value) {
          std::string name = o.first.as<std::string>();
          if (name != "resource_attributes_as_labels" || !o.second.IsSequence()) {
            return Status::InvalidArgument(
                "otlp." + name + AtLine(o.first) +
                ": the otlp settings are resource_attributes_as_labels: [names...]");
          }
          config.otlp_resource_labels = o.second.as<std::vector<std::string>>();
        }
        continue;
      }
      if (key == "tls") {
        if (!value.IsMap()) {
          return Status::InvalidArgument("config key \"tls\"" + AtLine(value) +
                                         " must be a mapping");
        }
        for (const auto& t : value) {
          std::string name = t.first.as<std::string>();
          if (name == "cert_file") {
            config.tls_cert_file = t.second.as<std::string>();
          } else if (name == "key_file") {
            config.tls_key_file = t.second.as<std::string>();
          } else {
            return Status::InvalidArgument("unknown tls setting \"" + name + "\"" +
                                           AtLine(t.first) + " (cert_file, key_file)");
          }
        }
        continue;
      }
      if (key == "auth") {
        LODE_RETURN_IF_ERROR(ParseAuth(value, config));
        continue;
      }
      if (key == "durability") {
        LODE_RETURN_IF_ERROR(ParseDurability(value, config));
        continue;
      }
      if (key == "http") {
        LODE_RETURN_IF_ERROR(ParseHttp(value, config));
        continue;
      }
      if (key == "cluster") {
        LODE_RETURN_IF_ERROR(ParseClusterConfig(value, config));
        continue;
      }
      if (key == "ruler") {
        LODE_RETURN_IF_ERROR(ParseRulerConfig(value, config));
        continue;
      }
      if (key == "limits") {
        LODE_RETURN_IF_ERROR(ParseLimits(value, config.ingest_limits));
        continue;
      }
      if (!value.IsScalar()) {
        return Status::InvalidArgument("config key \"" + key + "\" at line " +
                                       std::to_string(item.first.Mark().line + 1) +
                                       " needs a single value");
      }
      if (key == "data") {
        config.data = value.as<std::string>();
      } else if (key == "listen") {
        config.listen = value.as<std::string>();
      } else if (key == "flush_interval") {
        auto d = ParseSecondsOrDuration(value.as<std::string>());
        if (!d.ok()) return d.status().WithContext("flush_interval");
        if (*d <= 0) return Status::InvalidArgument("flush_interval must be positive");
        config.flush_interval = std::chrono::milliseconds(std::max<int64_t>(1, *d / 1'000'000));
      } else if (key == "log_level") {
        config.log_level = value.as<std::string>();
      } else if (key == "max_body_size") {
        config.max_body_size = value.as<uint64_t>();
      } else if (key == "head_max_bytes") {
        config.head_max_bytes = value.as<uint64_t>();
        if (config.head_max_bytes == 0) {
          return Status::InvalidArgument("head_max_bytes must be positive");
        }
      } else if (key == "heads_max_bytes") {
        config.heads_max_bytes = value.as<uint64_t>();
        if (config.heads_max_bytes == 0) {
          return Status::InvalidArgument("heads_max_bytes must be positive");
        }
      } else if (key == "head_max_age") {
        auto d = ParseSecondsOrDuration(value.as<std::string>());
        if (!d.ok()) return d.status().WithContext("head_max_age");
        if (*d <= 0) return Status::InvalidArgument("head_max_age must be positive");
        config.head_max_age = std::chrono::milliseconds(std::max<int64_t>(1, *d / 1'000'000));
      } else if (key == "cold_after" || key == "small_day_cold_after") {
        auto d = ParseSecondsOrDuration(value.as<std::string>());
        if (!d.ok()) return d.status().WithContext(key);
        if (*d <= 0) return Status::InvalidArgument(key + " must be positive");
        (key == "cold_after" ? config.cold_after : config.small_day_cold_after) =
            std::chrono::milliseconds(std::max<int64_t>(1, *d / 1'000'000));
      } else if (key == "retention_period") {
        auto d = ParseSecondsOrDuration(value.as<std::string>());
        if (!d.ok()) return d.status().WithContext("retention_period");
        config.retention_period_ns = *d;
      } else if (key == "retention_size") {
        config.retention_size = value.as<uint64_t>();
      } else if (key == "max_query_limit") {
        config.max_query_limit = value.as<uint64_t>();
      } else if (key == "query_timeout") {
        auto d = ParseSecondsOrDuration(value.as<std::string>());
        if (!d.ok()) return d.status().WithContext("query_timeout");
        config.query_timeout = std::chrono::milliseconds(*d / 1'000'000);
      } else if (key == "max_query_series") {
        config.max_query_series = value.as<uint64_t>();
        if (config.max_query_series == 0) {
          return Status::InvalidArgument("max_query_series must be positive");
        }
      } else if (key == "syslog_tcp") {
        config.syslog_tcp = value.as<std::string>();
      } else if (key == "syslog_udp") {
        config.syslog_udp = value.as<std::string>();
      } else if (key == "syslog_tenant") {
        config.syslog_tenant = value.as<std::string>();
        if (Status s = ValidateTenant(config.syslog_tenant); !s.ok()) {
          return s.WithContext("syslog_tenant");
        }
      } else if (key == "max_query_bytes") {
        config.max_query_bytes = value.as<uint64_t>();
      } else {
        return Status::InvalidArgument("unknown config key \"" + key + "\" at line " +
                                       std::to_string(item.first.Mark().line + 1));
      }
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("invalid config value: ") + e.what());
  }
  for (const auto& [tenant, settings] : overrides) {
    IngestLimits limits = config.ingest_limits;
    for (const auto& [key, value] : settings)
      LODE_RETURN_IF_ERROR(ApplyIngestLimit(key, value, limits));
    config.tenant_ingest_limits[tenant] = limits;
  }
  return Status::Ok();
}

Status LoadServeConfigFile(const std::string& path, ServeConfig& config) {
  auto text = Env::Default()->ReadFile(path);
  if (!text.ok()) return text.status().WithContext("read config");
  return ParseServeConfig(*text, config).WithContext("config " + path);
}

}  // namespace lode
