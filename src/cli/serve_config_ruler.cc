// The `ruler:` section of the serve config (README, "Alerts").
#include <yaml-cpp/yaml.h>

#include <charconv>

#include "base/strings.h"
#include "base/time.h"
#include "cli/serve_config.h"

namespace lode {
namespace {

std::string At(const YAML::Node& node) {
  return " at line " + std::to_string(node.Mark().line + 1);
}

}  // namespace

// ruler:
//   rule_path: ./rules
//   evaluation_interval: 1m
//   alertmanager_url: http://127.0.0.1:9093[,http://...]
//   external_url: http://lode.example:3100
//   remote_write: {url: http://127.0.0.1:9090/api/v1/write}
//   external_labels: {cluster: eu1}
//   resend_delay: 1m
//   for_outage_tolerance: 1h
//   poll_interval: 1m
Status ParseRulerConfig(const YAML::Node& node, ServeConfig& config) {
  if (!node.IsMap()) {
    return Status::InvalidArgument("config key \"ruler\"" + At(node) + " must be a mapping");
  }
  RulerOptions r;
  r.rule_path = "./rules";
  for (const auto& item : node) {
    const std::string key = item.first.as<std::string>();
    const YAML::Node& v = item.second;
    const std::string where = "ruler." + key + At(item.first);
    if (key == "remote_write") {
      if (!v.IsMap()) return Status::InvalidArgument(where + " must be a mapping (url)");
      for (const auto& rw : v) {
        const std::string k = rw.first.as<std::string>();
        if (k != "url" || !rw.second.IsScalar()) {
          return Status::InvalidArgument("unknown ruler.remote_write setting \"" + k + "\"" +
                                         At(rw.first) + " (url)");
        }
        r.remote_write_url = rw.second.as<std::string>();
      }
      continue;
    }
    if (key == "external_labels") {
      if (!v.IsMap()) return Status::InvalidArgument(where + " must map label names to values");
      std::vector<Label> labels;
      for (const auto& l : v) {
        const std::string name = l.first.as<std::string>();
        if (!IsValidLabelName(name) || !l.second.IsScalar()) {
          return Status::InvalidArgument(where + ": invalid external label \"" + name + "\"");
        }
        labels.push_back({name, l.second.as<std::string>()});
      }
      r.external_labels = Labels(std::move(labels));
      continue;
    }
    if (key == "alertmanager_url" && v.IsSequence()) {
      r.alertmanager_urls = v.as<std::vector<std::string>>();
      continue;
    }
    if (!v.IsScalar()) return Status::InvalidArgument(where + " needs a single value");
    const std::string value = v.as<std::string>();
    auto duration = [&](int64_t& field) -> Status {
      auto d = ParseSecondsOrDuration(value);
      if (!d.ok()) return d.status().WithContext(where);
      if (*d <= 0) return Status::InvalidArgument(where + " must be positive");
      field = *d;
      return Status::Ok();
    };
    if (key == "rule_path") {
      if (value.empty()) return Status::InvalidArgument(where + " must not be empty");
      r.rule_path = value;
    } else if (key == "evaluation_interval") {
      LODE_RETURN_IF_ERROR(duration(r.evaluation_interval_ns));
    } else if (key == "poll_interval") {
      LODE_RETURN_IF_ERROR(duration(r.poll_interval_ns));
    } else if (key == "resend_delay") {
      LODE_RETURN_IF_ERROR(duration(r.resend_delay_ns));
    } else if (key == "for_outage_tolerance") {
      LODE_RETURN_IF_ERROR(duration(r.for_outage_tolerance_ns));
    } else if (key == "alertmanager_url") {
      r.alertmanager_urls = SplitCommaList(value);
    } else if (key == "external_url") {
      r.external_url = value;
    } else {
      return Status::InvalidArgument(
          "unknown ruler setting \"" + key + "\"" + At(item.first) +
          " (rule_path, evaluation_interval, alertmanager_url, external_url, remote_write, "
          "external_labels, resend_delay, for_outage_tolerance, poll_interval)");
    }
  }
  for (const std::string& url : r.alertmanager_urls) {
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
      return Status::InvalidArgument("ruler.alertmanager_url: \"" + url +
                                     "\" is not an http:// or https:// URL");
    }
  }
  if (!r.remote_write_url.empty() && !r.remote_write_url.starts_with("http://") &&
      !r.remote_write_url.starts_with("https://")) {
    return Status::InvalidArgument("ruler.remote_write.url: \"" + r.remote_write_url +
                                   "\" is not an http:// or https:// URL");
  }
  config.ruler = std::move(r);
  return Status::Ok();
}

}  // namespace lode
