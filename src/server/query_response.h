// JSON encoding of query results in the Loki API's response shapes.
#pragma once

#include <string>

#include "query/log_query.h"
#include "query/metric_query.h"

namespace lode {

// {"status":"success","data":{"resultType":"streams","result":[...],"stats":{...}}}
std::string EncodeStreamsResponse(const LogQueryResult& result);

// {"status":"success","data":{"resultType":"matrix"|"vector"|"scalar",...}}:
// sample times as float seconds (millisecond precision), values as
// strings ("1.5", "+Inf", "NaN"), as Prometheus and Loki write them.
std::string EncodeMetricResponse(const MetricQueryResult& result);

}  // namespace lode
