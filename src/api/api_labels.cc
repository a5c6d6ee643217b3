// The Loki API's questions about streams rather than lines:
//   /loki/api/v1/labels, /label/<name>/values   label names and values
//   /loki/api/v1/series                          streams matching match[]
//   /loki/api/v1/index/stats                     streams, chunks, entries, bytes
//   /loki/api/v1/index/volume(_range)            bytes per label set
//   /loki/api/v1/detected_labels                 label names with cardinality
//   /loki/api/v1/format_query                    a query in canonical form
// All answer from the stream index and block summaries, not from lines
// (except volume_range, which is a bytes_over_time query).
#include <algorithm>
#include <map>
#include <set>

#include "api/api.h"
#include "api/api_params.h"
#include "base/json_writer.h"
#include "base/strings.h"
#include "base/time.h"
#include "logql/parser.h"
#include "logql/printer.h"
#include "query/metric_query.h"
#include "query/stream_lookup.h"
#include "wire/query_response.h"

namespace lode {
namespace {

// Loki's default window for label and series lookups.
constexpr int64_t kLookupSinceNs = 6 * 3600 * kNanosPerSecond;

HttpResponse StringList(const std::set<std::string>& items) {
  return SuccessAnswer([&](JsonWriter& w) {
    w.BeginArray();
    for (const std::string& s : items) w.String(s);
    w.EndArray();
  });
}

// The selectors of `query` (labels, values, stats, volume) or of each
// `match[]` (series).
Result<std::vector<std::vector<Matcher>>> Selectors(const HttpRequest& request, const char* name) {
  std::vector<std::vector<Matcher>> out;
  for (const std::string& text : request.Params(name)) {
    // `{}` (Grafana sends it for "every stream") selects no matcher.
    std::string bare;
    for (char c : text) {
      if (c != ' ' && c != '\t' && c != '\n') bare += c;
    }
    if (bare.empty() || bare == "{}") continue;
    LODE_ASSIGN_OR_RETURN(std::vector<Matcher> m, ParseSelector(text));
    out.push_back(std::move(m));
  }
  return out;
}

// The streams a request asks about: tenants, time range, and the
// selectors in `selector_param`.
Result<StreamLookup> ReadLookup(const HttpRequest& request, const std::string& default_tenant,
                                const char* selector_param) {
  StreamLookup l;
  LODE_ASSIGN_OR_RETURN(l.tenants, ReadTenants(request, default_tenant));
  LODE_ASSIGN_OR_RETURN(TimeRange range, RangeParams(request, kLookupSinceNs));
  l.start = range.start;
  l.end = range.end;
  LODE_ASSIGN_OR_RETURN(l.selectors, Selectors(request, selector_param));
  return l;
}

}  // namespace

HttpResponse Api::HandleLabels(const HttpRequest& request, const std::string* name) {
  auto lookup = ReadLookup(request, options_.default_tenant, "query");
  if (!lookup.ok()) return ErrorResponse(lookup.status());
  auto found = name == nullptr ? LabelNames(storage_, *lookup)
                               : LabelValues(storage_, std::move(*lookup), *name);
  if (!found.ok()) return ErrorResponse(found.status());
  return StringList(*found);
}

HttpResponse Api::HandleSeries(const HttpRequest& request) {
  auto lookup = ReadLookup(request, options_.default_tenant, "match[]");
  if (!lookup.ok()) return ErrorResponse(lookup.status());
  // Also accepted under its unbracketed name, as logcli may send it; both
  // together are their union, as Loki takes them.
  auto plain = Selectors(request, "match");
  if (!plain.ok()) return ErrorResponse(plain.status());
  for (auto& m : *plain) lookup->selectors.push_back(std::move(m));
  lookup->name_tenants = true;
  auto series = FindSeries(storage_, *lookup);
  if (!series.ok()) return ErrorResponse(series.status());
  return SuccessAnswer([&](JsonWriter& w) {
    w.BeginArray();
    for (const SeriesInfo& s : *series) WriteLabels(w, s.labels);
    w.EndArray();
  });
}

HttpResponse Api::HandleIndexStats(const HttpRequest& request) {
  auto lookup = ReadLookup(request, options_.default_tenant, "query");
  if (!lookup.ok()) return ErrorResponse(lookup.status());
  auto stats = ComputeIndexStats(storage_, *lookup);
  if (!stats.ok()) return ErrorResponse(stats.status());
  return JsonAnswer([&](JsonWriter& w) {
    w.BeginObject();
    w.Key("streams");
    w.Uint(stats->streams);
    w.Key("chunks");
    w.Uint(stats->chunks);
    w.Key("entries");
    w.Uint(stats->entries);
    w.Key("bytes");
    w.Uint(stats->bytes);
    w.EndObject();
  });
}

HttpResponse Api::HandleDetectedLabels(const HttpRequest& request) {
  auto lookup = ReadLookup(request, options_.default_tenant, "query");
  if (!lookup.ok()) return ErrorResponse(lookup.status());
  auto detected = DetectLabels(storage_, *lookup);
  if (!detected.ok()) return ErrorResponse(detected.status());
  return JsonAnswer([&](JsonWriter& w) {
    w.BeginObject();
    w.Key("detectedLabels");
    w.BeginArray();
    for (const DetectedLabel& d : *detected) {
      w.BeginObject();
      w.Key("label");
      w.String(d.label);
      w.Key("cardinality");
      w.Uint(d.cardinality);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  });
}

HttpResponse Api::HandleVolume(const HttpRequest& request, bool over_range) {
  const std::string query = request.Param("query");
  if (query.empty()) return HttpResponse::Text(400, "query parameter is required");
  auto lookup = ReadLookup(request, options_.default_tenant, "query");
  if (!lookup.ok()) return ErrorResponse(lookup.status());
  auto limit = LimitParam(request, 100, 10000);
  if (!limit.ok()) return ErrorResponse(limit.status());
  // Volumes are summed by the labels the selector names, or by
  // targetLabels when given.
  static const std::vector<Matcher> kNone;
  auto by = VolumeGrouping(SplitCommaList(request.Param("targetLabels")),
                           lookup->selectors.empty() ? kNone : lookup->selectors[0]);
  if (!by.ok()) return ErrorResponse(by.status());
  Result<MetricQueryResult> result = Status::Internal("unset");
  if (over_range) {
    auto step =
        ParseSecondsOrDuration(request.Param("step").empty() ? "60" : request.Param("step"));
    if (!step.ok() || *step <= 0) return HttpResponse::Text(400, "invalid step");
    MetricQueryParams params;
    params.tenants = lookup->tenants;
    params.start = lookup->start;
    params.end = lookup->end - 1;
    params.step_ns = *step;
    params.max_series = *limit;
    params.limits = LimitsFor(request);
    result = StreamVolumesOverRange(storage_, query, *by, params);
  } else {
    result = StreamVolumes(storage_, *lookup, *by, *limit);
  }
  if (!result.ok()) return ErrorResponse(result.status());
  return HttpResponse::Json(200, EncodeMetricResponse(*result));
}

HttpResponse Api::HandleFormatQuery(const HttpRequest& request) {
  const std::string query = request.Param("query");
  auto expr = logql::ParseQuery(query);
  if (!expr.ok()) return ErrorResponse(expr.status());
  return SuccessAnswer([&](JsonWriter& w) { w.String(logql::Print(*expr)); });
}

}  // namespace lode
