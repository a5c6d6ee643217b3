#include "api/api_params.h"

#include <algorithm>
#include <charconv>

#include "api/api.h"
#include "base/strings.h"
#include "base/time.h"
#include "logql/parser.h"
#include "model/tenant.h"

namespace lode {

// `X-Loki-Response-Encoding-Flags: categorize-labels` (a comma list).
bool WantsCategorizedLabels(const HttpRequest& request) {
  for (const std::string& flag : SplitCommaList(request.Header("X-Loki-Response-Encoding-Flags"))) {
    if (flag == "categorize-labels") return true;
  }
  return false;
}

Result<std::vector<std::string>> ReadTenants(const HttpRequest& request,
                                             const std::string& default_tenant) {
  std::string header = request.Header("X-Scope-OrgID");
  return ParseTenantList(header.empty() ? default_tenant : header);
}

Result<int64_t> TimeParam(const HttpRequest& request, const char* name, int64_t fallback) {
  std::string value = request.Param(name);
  if (value.empty()) return fallback;
  auto t = ParseApiTime(value);
  if (!t.ok())
    return Status::InvalidArgument("invalid " + std::string(name) + ": " + t.status().message());
  return t;
}

Result<size_t> LimitParam(const HttpRequest& request, size_t fallback, size_t max) {
  std::string value = request.Param("limit");
  if (value.empty()) return fallback;
  uint64_t limit = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
  if (ec != std::errc() || ptr != value.data() + value.size()) {
    return Status::InvalidArgument("invalid limit \"" + value + "\": must be a positive integer");
  }
  if (limit == 0) return Status::InvalidArgument("limit must be a positive value");
  if (limit > max) {
    return Status::InvalidArgument(
        "max entries limit per query exceeded, limit > max_entries_limit_per_query (" +
        std::to_string(limit) + " > " + std::to_string(max) + ")");
  }
  return static_cast<size_t>(limit);
}

Result<Direction> DirectionParam(const HttpRequest& request) {
  const std::string value = request.Param("direction");
  std::string upper;  // any case, as Loki reads it
  for (char c : value) upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  if (upper.empty() || upper == "BACKWARD") return Direction::kBackward;
  if (upper == "FORWARD") return Direction::kForward;
  return Status::InvalidArgument("invalid direction '" + value + "'");
}

HttpResponse ErrorResponse(const Status& status) {
  return HttpResponse::Text(HttpStatusFor(status), status.message());
}

Result<TimeRange> RangeParams(const HttpRequest& request, int64_t default_since_ns) {
  LODE_ASSIGN_OR_RETURN(int64_t end, TimeParam(request, "end", NowNanos()));
  int64_t since = default_since_ns;
  if (std::string s = request.Param("since"); !s.empty()) {
    auto d = ParseDuration(s);
    if (!d.ok()) return Status::InvalidArgument("invalid since: " + d.status().message());
    since = *d;
  }
  // Loki counts `since` back from now when end is in the future.
  LODE_ASSIGN_OR_RETURN(int64_t start,
                        TimeParam(request, "start", std::min(end, NowNanos()) - since));
  if (end < start) {
    return Status::InvalidArgument("end timestamp must not be before or equal to start time");
  }
  // The end is inclusive for a caller; storage ranges exclude it.
  return TimeRange{start, end + 1};
}

Result<std::vector<Matcher>> ParseSelector(const std::string& text) {
  LODE_ASSIGN_OR_RETURN(logql::Expr expr, logql::ParseQuery(text));
  const logql::LogSelectorExpr* log = expr.log();
  if (log == nullptr) {
    return Status::InvalidArgument("invalid selector \"" + text +
                                   "\": a stream selector such as {app=\"api\"} is expected");
  }
  return log->matchers;
}

}  // namespace lode
