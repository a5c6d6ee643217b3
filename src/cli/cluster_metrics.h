// A cluster member's figures in /metrics.
#pragma once

#include "base/metrics.h"
#include "cluster/cluster_node.h"

namespace lode {

// `node` must outlive `metrics`' scrapes.
void RegisterClusterMetrics(MetricsRegistry& metrics, ClusterNode& node);

}  // namespace lode
