// Following one request: every record of a tenant, from every stream,
// that holds an id (a trace, request or span id) in its line or in a
// structured metadata value, in time order, each with the service it came
// from. Storage skips the blocks whose token filters rule the id out
// (SelectRequest::record_contains), so no selector is needed.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "model/labels.h"
#include "query/query_limits.h"
#include "storage/storage.h"

namespace lode {

struct TraceQueryParams {
  std::vector<std::string> tenants;
  TimestampNs start = 0;
  TimestampNs end = 0;  // exclusive
  std::string id;       // at least 4 bytes
  size_t limit = 5000;  // records at most (the oldest are kept)
  QueryLimits limits;
};

struct TraceRecord {
  TimestampNs timestamp = 0;
  std::string service;  // service_name, service, app, job, ... of the stream
  Labels stream;
  Labels metadata;
  std::string line;
  std::string tenant;
};

struct TraceResult {
  std::vector<TraceRecord> records;  // oldest first
  bool truncated = false;            // more than `limit` records hold the id
};

Result<TraceResult> ExecuteTraceQuery(Storage& storage, const TraceQueryParams& params);

// The service a stream's labels name: the first of service_name, service,
// app, application, job, container, component; else its labels as text.
std::string ServiceOf(const Labels& stream);

}  // namespace lode
