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

#include "base/json_writer.h"
#include "base/time.h"
#include "logql/parser.h"
#include "logql/printer.h"
#include "query/metric_query.h"
#include "server/api.h"
#include "server/api_params.h"
#include "server/query_response.h"

namespace lode {
namespace {

// Loki's default window for label and series lookups.
constexpr int64_t kLookupSinceNs = 6 * 3600 * kNanosPerSecond;

// The streams of `tenants` with records in `range` matching any of the
// selectors (every stream when there are none), each once.
Result<std::vector<SeriesInfo>> FindSeries(Storage& storage,
                                           const std::vector<std::string>& tenants,
                                           const TimeRange& range,
                                           const std::vector<std::vector<Matcher>>& selectors) {
  std::map<std::string, SeriesInfo> found;
  for (const std::string& tenant : tenants) {
    std::vector<std::vector<Matcher>> each = selectors;
    if (each.empty()) each.emplace_back();
    std::set<std::string> seen;  // a stream matched by two selectors counts once
    for (const std::vector<Matcher>& matchers : each) {
      SeriesRequest request;
      request.tenant = tenant;
      request.start = range.start;
      request.end = range.end;
      request.matchers = matchers;
      LODE_ASSIGN_OR_RETURN(std::vector<SeriesInfo> series, storage.Series(request));
      for (SeriesInfo& s : series) {
        std::string key = s.labels.ToString();
        if (!seen.insert(key).second) continue;
        SeriesInfo& into = found[key];
        into.labels = s.labels;
        into.entries += s.entries;
        into.bytes += s.bytes;
        into.chunks += s.chunks;
      }
    }
  }
  std::vector<SeriesInfo> out;
  out.reserve(found.size());
  for (auto& [key, s] : found) out.push_back(std::move(s));
  return out;
}

HttpResponse StringList(const std::set<std::string>& items) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("status");
  w.String("success");
  w.Key("data");
  w.BeginArray();
  for (const std::string& s : items) w.String(s);
  w.EndArray();
  w.EndObject();
  return HttpResponse::Json(200, std::move(out));
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

// What a lookup asks: tenants, time range, and the selectors in
// `selector_param`.
struct Lookup {
  std::vector<std::string> tenants;
  TimeRange range;
  std::vector<std::vector<Matcher>> selectors;
};

Result<Lookup> ReadLookup(const HttpRequest& request, const std::string& default_tenant,
                          const char* selector_param) {
  Lookup l;
  LODE_ASSIGN_OR_RETURN(l.tenants, ReadTenants(request, default_tenant));
  LODE_ASSIGN_OR_RETURN(l.range, RangeParams(request, kLookupSinceNs));
  LODE_ASSIGN_OR_RETURN(l.selectors, Selectors(request, selector_param));
  return l;
}

}  // namespace

HttpResponse Api::HandleLabels(const HttpRequest& request, const std::string* name) {
  auto lookup = ReadLookup(request, options_.default_tenant, "query");
  if (!lookup.ok()) return ErrorResponse(lookup.status());
  const std::vector<std::string>& tenants = lookup->tenants;
  const TimeRange& range = lookup->range;
  std::vector<std::vector<Matcher>>& selectors = lookup->selectors;
  if (name != nullptr && !IsValidLabelName(*name)) {
    return HttpResponse::Text(400, "invalid label name \"" + *name + "\"");
  }
  // Values of one label need only the streams that have it.
  std::vector<std::vector<Matcher>> wanted = std::move(selectors);
  if (name != nullptr) {
    auto has = Matcher::Create(MatchType::kRegexMatch, *name, ".+");
    if (!has.ok()) return ErrorResponse(has.status());
    if (wanted.empty()) wanted.emplace_back();
    for (auto& m : wanted) m.push_back(*has);
  }
  auto series = FindSeries(storage_, tenants, range, wanted);
  if (!series.ok()) return ErrorResponse(series.status());
  std::set<std::string> out;
  for (const SeriesInfo& s : *series) {
    if (name == nullptr) {
      for (const Label& l : s.labels) out.insert(l.name);
    } else if (s.labels.Has(*name)) {
      out.insert(std::string(s.labels.Get(*name)));
    }
  }
  return StringList(out);
}

HttpResponse Api::HandleSeries(const HttpRequest& request) {
  auto lookup = ReadLookup(request, options_.default_tenant, "match[]");
  if (!lookup.ok()) return ErrorResponse(lookup.status());
  const std::vector<std::string>& tenants = lookup->tenants;
  const TimeRange& range = lookup->range;
  std::vector<std::vector<Matcher>>& selectors = lookup->selectors;
  // Also accepted under its unbracketed name, as logcli may send it; both
  // together are their union, as Loki takes them.
  auto plain = Selectors(request, "match");
  if (!plain.ok()) return ErrorResponse(plain.status());
  for (auto& m : *plain) selectors.push_back(std::move(m));
  auto series = FindSeries(storage_, tenants, range, selectors);
  if (!series.ok()) return ErrorResponse(series.status());
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("status");
  w.String("success");
  w.Key("data");
  w.BeginArray();
  for (const SeriesInfo& s : *series) WriteLabels(w, s.labels);
  w.EndArray();
  w.EndObject();
  return HttpResponse::Json(200, std::move(out));
}

HttpResponse Api::HandleIndexStats(const HttpRequest& request) {
  auto lookup = ReadLookup(request, options_.default_tenant, "query");
  if (!lookup.ok()) return ErrorResponse(lookup.status());
  const std::vector<std::string>& tenants = lookup->tenants;
  const TimeRange& range = lookup->range;
  std::vector<std::vector<Matcher>>& selectors = lookup->selectors;
  auto series = FindSeries(storage_, tenants, range, selectors);
  if (!series.ok()) return ErrorResponse(series.status());
  uint64_t chunks = 0, entries = 0, bytes = 0;
  for (const SeriesInfo& s : *series) {
    chunks += s.chunks;
    entries += s.entries;
    bytes += s.bytes;
  }
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("streams");
  w.Uint(series->size());
  w.Key("chunks");
  w.Uint(chunks);
  w.Key("entries");
  w.Uint(entries);
  w.Key("bytes");
  w.Uint(bytes);
  w.EndObject();
  return HttpResponse::Json(200, std::move(out));
}

HttpResponse Api::HandleDetectedLabels(const HttpRequest& request) {
  auto lookup = ReadLookup(request, options_.default_tenant, "query");
  if (!lookup.ok()) return ErrorResponse(lookup.status());
  const std::vector<std::string>& tenants = lookup->tenants;
  const TimeRange& range = lookup->range;
  std::vector<std::vector<Matcher>>& selectors = lookup->selectors;
  auto series = FindSeries(storage_, tenants, range, selectors);
  if (!series.ok()) return ErrorResponse(series.status());
  std::map<std::string, std::set<std::string>> values;
  for (const SeriesInfo& s : *series) {
    for (const Label& l : s.labels) values[l.name].insert(l.value);
  }
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("detectedLabels");
  w.BeginArray();
  for (const auto& [name, v] : values) {
    w.BeginObject();
    w.Key("label");
    w.String(name);
    w.Key("cardinality");
    w.Uint(v.size());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return HttpResponse::Json(200, std::move(out));
}

HttpResponse Api::HandleVolume(const HttpRequest& request, bool over_range) {
  const std::string query = request.Param("query");
  if (query.empty()) return HttpResponse::Text(400, "query parameter is required");
  auto lookup = ReadLookup(request, options_.default_tenant, "query");
  if (!lookup.ok()) return ErrorResponse(lookup.status());
  const std::vector<std::string>& tenants = lookup->tenants;
  const TimeRange& range = lookup->range;
  const std::vector<std::vector<Matcher>>& selectors = lookup->selectors;
  auto limit = LimitParam(request, 100, 10000);
  if (!limit.ok()) return ErrorResponse(limit.status());
  // Volumes are summed by the labels the selector names, or by
  // targetLabels when given.
  std::vector<std::string> by;
  if (std::string targets = request.Param("targetLabels"); !targets.empty()) {
    size_t start = 0;
    while (start <= targets.size()) {
      size_t comma = targets.find(',', start);
      std::string t =
          targets.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!t.empty()) by.push_back(t);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else {
    for (const Matcher& m : selectors.at(0)) by.push_back(m.name());
  }
  std::sort(by.begin(), by.end());
  by.erase(std::unique(by.begin(), by.end()), by.end());
  for (const std::string& b : by) {
    if (!IsValidLabelName(b)) return HttpResponse::Text(400, "invalid target label \"" + b + "\"");
  }

  if (over_range) {
    // Bytes per step: a bytes_over_time query over the same streams.
    auto step =
        ParseSecondsOrDuration(request.Param("step").empty() ? "60" : request.Param("step"));
    if (!step.ok() || *step <= 0) return HttpResponse::Text(400, "invalid step");
    std::string grouping;
    for (const std::string& b : by) grouping += (grouping.empty() ? "" : ", ") + b;
    std::string text = "sum by (" + grouping + ") (bytes_over_time(" + query + " [" +
                       std::to_string(*step / 1000000) + "ms]))";
    auto expr = logql::ParseQuery(text);
    if (!expr.ok()) return ErrorResponse(expr.status());
    MetricQueryParams params;
    params.tenants = tenants;
    params.start = range.start;
    params.end = range.end - 1;
    params.step_ns = *step;
    params.max_series = *limit;
    params.limits = LimitsFor(request);
    auto result = ExecuteMetricQuery(storage_, *expr, params);
    if (!result.ok()) return ErrorResponse(result.status());
    return HttpResponse::Json(200, EncodeMetricResponse(*result));
  }

  auto series = FindSeries(storage_, tenants, range, selectors);
  if (!series.ok()) return ErrorResponse(series.status());
  std::map<std::string, std::pair<Labels, uint64_t>> volumes;
  for (const SeriesInfo& s : *series) {
    std::vector<Label> kept;
    for (const std::string& b : by) {
      if (s.labels.Has(b)) kept.push_back(Label{b, std::string(s.labels.Get(b))});
    }
    Labels key(std::move(kept));
    auto& v = volumes[key.ToString()];
    v.first = key;
    v.second += s.bytes;
  }
  std::vector<std::pair<Labels, uint64_t>> sorted;
  for (auto& [k, v] : volumes) sorted.push_back(v);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (sorted.size() > *limit) sorted.resize(*limit);
  MetricQueryResult result;
  result.type = MetricQueryResult::Type::kVector;
  for (auto& [labels, bytes] : sorted) {
    MetricSeries s;
    s.labels = labels;
    s.samples.push_back(MetricSample{range.end - 1, static_cast<double>(bytes)});
    result.series.push_back(std::move(s));
  }
  return HttpResponse::Json(200, EncodeMetricResponse(result));
}

HttpResponse Api::HandleFormatQuery(const HttpRequest& request) {
  const std::string query = request.Param("query");
  auto expr = logql::ParseQuery(query);
  if (!expr.ok()) return ErrorResponse(expr.status());
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("status");
  w.String("success");
  w.Key("data");
  w.String(logql::Print(*expr));
  w.EndObject();
  return HttpResponse::Json(200, std::move(out));
}

}  // namespace lode
