// The ruler's settings: the `ruler:` section of the serve config.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/labels.h"

namespace lode {

struct RulerOptions {
  std::string rule_path;                            // <rule_path>/<tenant>/<namespace>.yaml
  int64_t evaluation_interval_ns = 60'000'000'000;  // for groups without one
  int64_t poll_interval_ns = 60'000'000'000;        // rule_path read again
  std::vector<std::string> alertmanager_urls;
  std::string external_url;  // base of generatorURL and $externalURL
  Labels external_labels;    // added to alerts and recorded series
  std::string remote_write_url;
  int64_t resend_delay_ns = 60'000'000'000;
  int64_t for_outage_tolerance_ns = 3600'000'000'000;
  size_t notification_queue_capacity = 10000;
  size_t remote_write_queue_capacity = 100000;
  size_t max_series = 10000;                  // per rule's query
  int64_t query_timeout_ns = 60'000'000'000;  // per rule's query
  std::string state_dir;                      // alert state across restarts; empty: not kept
};

}  // namespace lode
