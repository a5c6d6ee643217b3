// The `cluster:` section of the serve config (README, "Scaling out").
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>

#include "base/strings.h"
#include "base/time.h"
#include "cli/serve_config.h"
#include "query/value_parse.h"

namespace lode {
namespace {

std::string At(const YAML::Node& node) {
  return " at line " + std::to_string(node.Mark().line + 1);
}

Status ParseS3(const YAML::Node& node, S3Options& s3) {
  if (!node.IsMap()) return Status::InvalidArgument("cluster.s3" + At(node) + " must be a mapping");
  for (const auto& item : node) {
    const std::string key = item.first.as<std::string>();
    if (!item.second.IsScalar()) {
      return Status::InvalidArgument("cluster.s3." + key + At(item.first) +
                                     " needs a single value");
    }
    const std::string value = item.second.as<std::string>();
    if (key == "endpoint") {
      s3.endpoint = value;
    } else if (key == "bucket") {
      s3.bucket = value;
    } else if (key == "region") {
      s3.region = value;
    } else if (key == "access_key") {
      s3.access_key = value;
    } else if (key == "secret_key") {
      s3.secret_key = value;
    } else {
      return Status::InvalidArgument("unknown cluster.s3 setting \"" + key + "\"" + At(item.first) +
                                     " (endpoint, bucket, region, access_key, secret_key)");
    }
  }
  return Status::Ok();
}

}  // namespace

// cluster:
//   node_id: a
//   advertise: 127.0.0.1:3101
//   nats: [nats://127.0.0.1:4222, ...]
//   partitions: 16
//   replicas: 3
//   s3: {endpoint: http://127.0.0.1:7480, bucket: lode, region: us-east-1}
//   cache_dir: ./lode-cache
//   cache_max_bytes: 10GB
Status ParseClusterConfig(const YAML::Node& node, ServeConfig& config) {
  if (!node.IsMap()) {
    return Status::InvalidArgument("config key \"cluster\"" + At(node) + " must be a mapping");
  }
  ClusterOptions c;
  for (const auto& item : node) {
    const std::string key = item.first.as<std::string>();
    const YAML::Node& v = item.second;
    const std::string where = "cluster." + key + At(item.first);
    if (key == "s3") {
      LODE_RETURN_IF_ERROR(ParseS3(v, c.s3));
      continue;
    }
    if (key == "nats") {
      if (v.IsSequence()) {
        c.nats = v.as<std::vector<std::string>>();
      } else if (v.IsScalar()) {
        c.nats = SplitCommaList(v.as<std::string>());
      } else {
        return Status::InvalidArgument(where + " must list NATS server URLs");
      }
      continue;
    }
    if (key == "record_id_keys") {
      if (!v.IsSequence()) return Status::InvalidArgument(where + " must be a list");
      c.record_id_keys = v.as<std::vector<std::string>>();
      continue;
    }
    if (!v.IsScalar()) return Status::InvalidArgument(where + " needs a single value");
    const std::string value = v.as<std::string>();
    auto count = [&](uint64_t min, uint64_t max) -> Result<uint64_t> {
      uint64_t n = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || n < min ||
          n > max) {
        return Status::InvalidArgument(where + ": \"" + value + "\" is not a count from " +
                                       std::to_string(min) + " to " + std::to_string(max));
      }
      return n;
    };
    auto bytes = [&]() -> Result<uint64_t> {
      auto b = ParseHumanBytes(value);
      if (!b.ok()) return b.status().WithContext(where);
      return *b;
    };
    auto duration = [&](std::chrono::milliseconds& field) -> Status {
      auto d = ParseSecondsOrDuration(value);
      if (!d.ok()) return d.status().WithContext(where);
      if (*d <= 0) return Status::InvalidArgument(where + " must be positive");
      field = std::chrono::milliseconds(std::max<int64_t>(1, *d / 1'000'000));
      return Status::Ok();
    };
    if (key == "name") {
      for (char ch : value) {
        if (!(std::islower(static_cast<unsigned char>(ch)) ||
              std::isdigit(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-')) {
          return Status::InvalidArgument(where + ": \"" + value +
                                         "\" may use only a-z, 0-9, _ and -");
        }
      }
      if (value.empty()) return Status::InvalidArgument(where + " must not be empty");
      c.name = value;
    } else if (key == "node_id") {
      c.node_id = value;
    } else if (key == "advertise") {
      c.advertise = value;
    } else if (key == "partitions") {
      LODE_ASSIGN_OR_RETURN(uint64_t n, count(1, 4096));
      c.partitions = static_cast<uint32_t>(n);
    } else if (key == "replicas") {
      LODE_ASSIGN_OR_RETURN(uint64_t n, count(1, 5));
      c.replicas = static_cast<int>(n);
    } else if (key == "cache_dir") {
      c.cache_dir = value;
    } else if (key == "secret") {
      c.secret = value;
    } else if (key == "cache_max_bytes") {
      LODE_ASSIGN_OR_RETURN(c.cache_max_bytes, bytes());
    } else if (key == "head_max_bytes") {
      LODE_ASSIGN_OR_RETURN(c.head_max_bytes, bytes());
    } else if (key == "head_max_age") {
      LODE_RETURN_IF_ERROR(duration(c.head_max_age));
    } else if (key == "lease_ttl") {
      LODE_RETURN_IF_ERROR(duration(c.lease_ttl));
    } else if (key == "lease_interval") {
      LODE_RETURN_IF_ERROR(duration(c.lease_interval));
    } else if (key == "purge_margin") {
      LODE_RETURN_IF_ERROR(duration(c.purge_margin));
    } else if (key == "delete_grace") {
      LODE_RETURN_IF_ERROR(duration(c.delete_grace));
    } else if (key == "maintenance_interval") {
      LODE_RETURN_IF_ERROR(duration(c.maintenance_interval));
    } else if (key == "merge_min_parts") {
      LODE_ASSIGN_OR_RETURN(uint64_t n, count(2, 1000));
      c.merge_min_parts = n;
    } else if (key == "max_publishes_in_flight") {
      LODE_ASSIGN_OR_RETURN(uint64_t n, count(1, 1'000'000));
      c.max_publishes_in_flight = n;
    } else {
      return Status::InvalidArgument(
          "unknown cluster setting \"" + key + "\"" + At(item.first) +
          " (name, node_id, advertise, nats, partitions, replicas, s3, cache_dir, cache_max_bytes, "
          "secret, "
          "head_max_bytes, head_max_age, lease_ttl, lease_interval, purge_margin, delete_grace, "
          "maintenance_interval, merge_min_parts, "
          "max_publishes_in_flight, record_id_keys)");
    }
  }
  if (c.node_id.empty()) return Status::InvalidArgument("cluster.node_id is required");
  if (c.advertise.empty()) return Status::InvalidArgument("cluster.advertise is required");
  if (c.nats.empty()) return Status::InvalidArgument("cluster.nats must list a NATS server");
  if (c.s3.endpoint.empty() || c.s3.bucket.empty()) {
    return Status::InvalidArgument("cluster.s3 needs an endpoint and a bucket");
  }
  if (c.lease_interval * 2 > c.lease_ttl) {
    return Status::InvalidArgument("cluster.lease_interval must be at most half of lease_ttl");
  }
  config.cluster = std::move(c);
  return Status::Ok();
}

}  // namespace lode
