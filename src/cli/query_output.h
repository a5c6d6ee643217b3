// How `lode query` prints results: log lines (default, raw, json, jsonl)
// and metric results (an aligned table, json, jsonl, raw), with colour on
// a terminal.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/labels.h"

namespace lode {

struct LogLine {
  int64_t timestamp = 0;
  Labels labels;
  std::string line;
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

// The lines of a `streams` response (query_range or a tail message),
// oldest first. `data_key` false: the object is {"streams":[...]} (tail).
Result<std::vector<LogLine>> ParseLogLines(const std::string& body, bool tail_message);
// A matrix, vector or scalar response.
Result<MetricResult> ParseMetricResult(const std::string& body);

struct OutputStyle {
  std::string format = "default";  // default, table, raw, json, jsonl
  bool color = false;
};

// Appends lines in `style`; json output is one array, so the caller
// brackets it (first/last).
void FormatLogLines(const std::vector<LogLine>& lines, const OutputStyle& style, bool first,
                    std::string* out);
void FormatMetricResult(const MetricResult& result, const OutputStyle& style, std::string* out);

}  // namespace lode
