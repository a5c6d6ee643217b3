// Reading the parameters the Loki API's endpoints share: tenants, times,
// limits, direction, selectors and encoding flags; and errors as
// responses.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/json_writer.h"
#include "base/status.h"
#include "model/matcher.h"
#include "storage/storage.h"
#include "transport/http_types.h"

namespace lode {

// X-Scope-OrgID, `a|b` naming several tenants; `default_tenant` without it.
Result<std::vector<std::string>> ReadTenants(const HttpRequest& request,
                                             const std::string& default_tenant);

// A time parameter (ns, float seconds or RFC 3339), or `fallback`.
Result<int64_t> TimeParam(const HttpRequest& request, const char* name, int64_t fallback);

// `limit`: a positive integer at most `max`, or `fallback`.
Result<size_t> LimitParam(const HttpRequest& request, size_t fallback, size_t max);

Result<Direction> DirectionParam(const HttpRequest& request);

// The [start, end) of a request that reads `start`, `end` and `since`
// (a duration before end), defaulting to the last `default_since_ns`.
struct TimeRange {
  int64_t start = 0;
  int64_t end = 0;
};
Result<TimeRange> RangeParams(const HttpRequest& request, int64_t default_since_ns);

// A stream selector (`{app="api"}`; a pipeline after it is allowed and
// ignored), as the matchers it names.
Result<std::vector<Matcher>> ParseSelector(const std::string& text);

// `X-Loki-Response-Encoding-Flags: categorize-labels` (a comma list).
bool WantsCategorizedLabels(const HttpRequest& request);

// A 200 answer whose JSON body `write` writes.
template <typename Write>
HttpResponse JsonAnswer(Write&& write) {
  std::string out;
  JsonWriter w(out);
  write(w);
  return HttpResponse::Json(200, std::move(out));
}

// {"status":"success","data":<what write writes>}, as Loki answers.
template <typename Write>
HttpResponse SuccessAnswer(Write&& write) {
  return JsonAnswer([&](JsonWriter& w) {
    w.BeginObject();
    w.Key("status");
    w.String("success");
    w.Key("data");
    write(w);
    w.EndObject();
  });
}

// The error as a plain-text response with Loki's status for it.
HttpResponse ErrorResponse(const Status& status);

}  // namespace lode
