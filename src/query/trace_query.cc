#include "query/trace_query.h"

#include <algorithm>

#include "storage/head.h"  // RecordContains

namespace lode {

std::string ServiceOf(const Labels& stream) {
  for (std::string_view key :
       {"service_name", "service", "app", "application", "job", "container", "component"}) {
    std::string_view v = stream.Get(key);
    if (!v.empty()) return std::string(v);
  }
  return stream.ToString();
}

Result<TraceResult> ExecuteTraceQuery(Storage& storage, const TraceQueryParams& params) {
  if (params.id.size() < 4) {
    return Status::InvalidArgument("the id to follow must have at least 4 characters");
  }
  TraceResult result;
  for (const std::string& tenant : params.tenants) {
    SelectRequest request;
    request.tenant = tenant;
    request.start = params.start;
    request.end = params.end;
    request.direction = Direction::kForward;
    request.record_contains = params.id;
    LODE_ASSIGN_OR_RETURN(auto it, storage.Select(request));
    uint32_t until_check = QueryLimits::kCheckEvery;
    size_t kept = 0;
    while (it->Next()) {
      if (--until_check == 0) {
        until_check = QueryLimits::kCheckEvery;
        LODE_RETURN_IF_ERROR(params.limits.Check(0));
      }
      const Record& r = it->record();
      // Storage may return more than asked.
      if (!RecordContains(r.line, r.metadata, params.id)) continue;
      if (kept == params.limit) {
        result.truncated = true;
        break;
      }
      ++kept;
      result.records.push_back(
          TraceRecord{r.timestamp, ServiceOf(r.stream), r.stream, r.metadata, r.line, tenant});
    }
    LODE_RETURN_IF_ERROR(it->status());
  }
  std::stable_sort(
      result.records.begin(), result.records.end(),
      [](const TraceRecord& a, const TraceRecord& b) { return a.timestamp < b.timestamp; });
  if (result.records.size() > params.limit) {
    result.records.resize(params.limit);
    result.truncated = true;
  }
  return result;
}

}  // namespace lode
