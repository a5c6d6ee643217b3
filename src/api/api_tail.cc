// /loki/api/v1/tail: a WebSocket that streams the lines of a log query as
// they arrive. Each second the query runs again from the newest line sent
// (up to now minus delay_for, so late writes have time to land), and what
// is new goes out as {"streams":[...]}.
#include <charconv>
#include <optional>

#include "api/api.h"
#include "api/api_params.h"
#include "base/strings.h"
#include "base/time.h"
#include "logql/parser.h"
#include "logql/printer.h"
#include "query/tail_cursor.h"
#include "wire/query_response.h"

namespace lode {
namespace {

constexpr int64_t kTailHistoryNs = 3600 * kNanosPerSecond;  // default start: 1h ago
constexpr int64_t kMaxDelayForSeconds = 5;                  // as Loki
constexpr int kPollMs = 1000;

struct TailParams {
  logql::LogSelectorExpr expr;
  std::vector<std::string> tenants;
  int64_t start = 0;
  int64_t delay_ns = 0;
  size_t limit = 100;
};

Result<TailParams> ReadTailParams(const HttpRequest& request, const std::string& default_tenant,
                                  size_t max_limit) {
  TailParams p;
  LODE_ASSIGN_OR_RETURN(p.tenants, ReadTenants(request, default_tenant));
  const std::string query = request.Param("query");
  if (query.empty()) return Status::InvalidArgument("query parameter is required");
  LODE_ASSIGN_OR_RETURN(logql::Expr expr, logql::ParseQuery(query));
  if (expr.log() == nullptr) {
    return Status::InvalidArgument("tail needs a log query, not a metric query");
  }
  p.expr = *expr.log();
  // The legacy `regexp` parameter adds a |~ filter, as Loki reads it.
  if (std::string re = request.Param("regexp"); !re.empty()) {
    logql::LineFilter filter;
    filter.op = logql::LineFilter::Op::kRegexMatch;
    filter.values.push_back(re);
    p.expr.pipeline.push_back(std::move(filter));
    // Parsing the whole query again checks the regex as any other.
    LODE_RETURN_IF_ERROR(logql::ParseQuery(logql::Print(p.expr)).status());
  }
  // The history sent first starts at `start`, or `since` (default 1h)
  // before the end (or now, when the end is in the future).
  LODE_ASSIGN_OR_RETURN(TimeRange history, RangeParams(request, kTailHistoryNs));
  p.start = history.start;
  if (std::string d = request.Param("delay_for"); !d.empty()) {
    int64_t seconds = -1;
    try {
      seconds = std::stoll(d);
    } catch (...) {
    }
    if (seconds < 0) return Status::InvalidArgument("invalid delay_for \"" + d + "\"");
    if (seconds > kMaxDelayForSeconds) {
      return Status::InvalidArgument("delay_for can't be greater than " +
                                     std::to_string(kMaxDelayForSeconds));
    }
    p.delay_ns = seconds * kNanosPerSecond;
  }
  LODE_ASSIGN_OR_RETURN(p.limit, LimitParam(request, 100, max_limit));
  return p;
}

}  // namespace

namespace {

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
    if (ec != std::errc() || ptr != hex.data() + i + 2) return std::nullopt;
    out.push_back(static_cast<char>(value));
  }
  return out;
}

// Browsers cannot set headers on a WebSocket, so the web UI offers its
// token and tenant as subprotocols, "lode.token.<hex>" and
// "lode.tenant.<hex>" (beside "lode", the one accepted); they stand in for
// the Authorization and X-Scope-OrgID headers when those are absent.
void ApplyWebSocketCredentials(HttpRequest& request) {
  const std::string offered = request.Header("Sec-WebSocket-Protocol");
  for (const std::string& item : SplitCommaList(offered)) {
    if (item.starts_with("lode.token.") && request.Header("Authorization").empty()) {
      if (auto token = FromHex(item.substr(11))) {
        request.headers["Authorization"] = "Bearer " + *token;
      }
    } else if (item.starts_with("lode.tenant.") && request.Header("X-Scope-OrgID").empty()) {
      if (auto tenant = FromHex(item.substr(12))) request.headers["X-Scope-OrgID"] = *tenant;
    }
  }
}

}  // namespace

WebSocketHandler Api::TailHandler() {
  WebSocketHandler h;
  h.accept = [this](HttpRequest& request) -> std::optional<HttpResponse> {
    if (request.path != "/loki/api/v1/tail") {
      return HttpResponse::Text(404, "404 page not found: " + request.path);
    }
    ApplyWebSocketCredentials(request);
    if (auto refused = auth_.Check(request, Access::kRead)) return refused;
    auto p = ReadTailParams(request, options_.default_tenant, options_.max_limit);
    if (!p.ok()) return ErrorResponse(p.status());
    return std::nullopt;
  };
  h.run = [this](const HttpRequest& request, WebSocketSink& sink) {
    auto p = ReadTailParams(request, options_.default_tenant, options_.max_limit);
    if (!p.ok()) return;
    TailCursor cursor(storage_, p->expr, p->tenants, p->start, p->limit);
    while (!sink.closed()) {
      auto batch = cursor.Poll(NowNanos() - p->delay_ns);
      if (!batch.ok()) return;
      if (!batch->streams.empty() && !sink.Send(EncodeTailMessage(batch->streams))) return;
      if (!batch->more && sink.WaitClosed(kPollMs)) return;
    }
  };
  return h;
}

}  // namespace lode
