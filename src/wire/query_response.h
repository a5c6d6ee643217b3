// The Loki API's query answers as JSON: the server's encoder
// (query_response.cc, from the query engine's results) and the client's
// decoder (query_response_parse.cc, what `lode query` reads back).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/json_writer.h"
#include "base/status.h"
#include "model/labels.h"
#include "model/query_result.h"

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

// A line of a streams answer as a client reads it: the stream's labels
// beside it.
struct LogLine {
  int64_t timestamp = 0;
  Labels labels;  // all of them: stream, structured metadata, parsed
  std::string line;
  // The stream's own labels: from a categorize-labels answer; otherwise
  // the same as `labels`.
  Labels stream;
};

struct SeriesSamples {
  Labels labels;
  std::vector<std::pair<double, std::string>> samples;  // (seconds, value as sent)
};

struct MetricResult {
  std::string type;  // matrix, vector or scalar
  std::vector<SeriesSamples> series;
  std::string result_json;  // data.result as sent
};

// The lines of a `streams` response (query_range), or of a tail message
// ({"streams":[...]}) with `tail_message`, oldest first.
Result<std::vector<LogLine>> ParseLogLines(const std::string& body, bool tail_message);
// A matrix, vector or scalar response.
Result<MetricResult> ParseMetricResult(const std::string& body);

}  // namespace lode
