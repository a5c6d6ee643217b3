#include "cli/serve_config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>

#include "base/time.h"
#include "io/env.h"
#include "model/tenant.h"

namespace lode {

namespace {

std::string AtLine(const YAML::Node& node) {
  return " at line " + std::to_string(node.Mark().line + 1);
}

// tenants:
//   audit: {retention_period: 365d}
//   debug: {retention_period: 3d, retention_size: 10000000000}
// A setting a tenant leaves out is the top-level one.
Status ParseTenants(const YAML::Node& tenants, ServeConfig& config) {
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
        return Status::InvalidArgument("unknown tenant setting \"" + key + "\"" +
                                       AtLine(item.first) +
                                       " (per tenant: retention_period, retention_size)");
      }
    }
    config.tenants[name] = retention;
  }
  return Status::Ok();
}

}  // namespace

Status ParseServeConfig(const std::string& yaml_text, ServeConfig& config) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("invalid YAML: ") + e.what());
  }
  if (root.IsNull()) return Status::Ok();
  if (!root.IsMap()) return Status::InvalidArgument("config must be a mapping of keys to values");
  try {
    for (const auto& item : root) {
      std::string key = item.first.as<std::string>();
      const YAML::Node& value = item.second;
      if (key == "tenants") {
        LODE_RETURN_IF_ERROR(ParseTenants(value, config));
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
  return Status::Ok();
}

Status LoadServeConfigFile(const std::string& path, ServeConfig& config) {
  auto text = Env::Default()->ReadFile(path);
  if (!text.ok()) return text.status().WithContext("read config");
  return ParseServeConfig(*text, config).WithContext("config " + path);
}

Status SplitHostPort(const std::string& listen, std::string& host, uint16_t& port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument("listen address \"" + listen + "\" must be HOST:PORT");
  }
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  std::string port_text = listen.substr(colon + 1);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() ||
      value > 65535) {
    return Status::InvalidArgument("invalid port in listen address \"" + listen + "\"");
  }
  port = static_cast<uint16_t>(value);
  return Status::Ok();
}

}  // namespace lode
