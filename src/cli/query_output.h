// How `lode query` prints results: log lines (default, raw, json, jsonl)
// and metric results (an aligned table, json, jsonl, raw), with colour on
// a terminal.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wire/query_response.h"

namespace lode {

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
