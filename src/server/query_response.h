// JSON encoding of query results in the Loki API's response shapes.
#pragma once

#include <string>

#include "base/json_writer.h"
#include "query/log_query.h"
#include "query/metric_query.h"

namespace lode {

// {"status":"success","data":{"resultType":"streams","result":[...],"stats":{...}}}
// With `categorized` (the categorize-labels encoding flag), each value is
// [ts, line, {"structuredMetadata":{..},"parsed":{..}}] and data carries
// "encodingFlags":["categorize-labels"].
std::string EncodeStreamsResponse(const LogQueryResult& result, bool categorized = false);

// A message of /loki/api/v1/tail: {"streams":[{"stream":{..},"values":[..]}]}.
std::string EncodeTailMessage(const std::vector<StreamResult>& streams);

// Writes labels as a JSON object {"a":"b",...}.
void WriteLabels(JsonWriter& w, const Labels& labels);

// {"status":"success","data":{"resultType":"matrix"|"vector"|"scalar",...}}:
// sample times as float seconds (millisecond precision), values as
// strings ("1.5", "+Inf", "NaN"), as Prometheus and Loki write them.
std::string EncodeMetricResponse(const MetricQueryResult& result);

}  // namespace lode
