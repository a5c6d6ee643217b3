// The fields a query's recent lines carry (GET /loki/api/v1/detected_fields
// and /detected_field/{name}/values, as Grafana's Logs Drilldown calls
// Loki): the newest `line_limit` lines the query keeps are read; each
// line's structured metadata are fields, and so are the keys of the line
// parsed as JSON (nested keys joined by `_`) or, when it is not JSON, as
// logfmt. Each field has a type (int, float, boolean, duration, bytes or
// string, from its first value, as Loki decides), its number of distinct
// values and the parsers that found it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "logql/ast.h"
#include "query/query_limits.h"
#include "storage/storage.h"

namespace lode {

struct DetectedFieldsParams {
  std::vector<std::string> tenants;
  TimestampNs start = 0;
  TimestampNs end = 0;
  size_t line_limit = 100;    // newest lines read
  size_t field_limit = 1000;  // fields (or values) returned at most
  std::string values_of;      // when set: the distinct values of this field
  QueryLimits limits;
};

struct DetectedField {
  std::string label;
  std::string type;  // string, int, float, boolean, duration, bytes
  uint64_t cardinality = 0;
  std::vector<std::string> parsers;  // "json", "logfmt"; empty for structured metadata
  // For a JSON field: the keys of the value in the line ("nested",
  // "method" for nested_method), as Loki gives them.
  std::vector<std::string> json_path;
};

struct DetectedFieldsResult {
  std::vector<DetectedField> fields;  // by label
  std::vector<std::string> values;    // with values_of, sorted
};

Result<DetectedFieldsResult> ExecuteDetectedFields(Storage& storage,
                                                   const logql::LogSelectorExpr& expr,
                                                   const DetectedFieldsParams& params);

// Loki's type of a field's value: the first of int, float, boolean,
// duration, bytes that parses it, else string.
std::string DetectedFieldType(std::string_view value);

}  // namespace lode
