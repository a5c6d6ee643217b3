#include "query/stream_lookup.h"

#include <algorithm>
#include <map>

#include "logql/parser.h"
#include "query/tenants.h"

namespace lode {

Result<std::vector<SeriesInfo>> FindSeries(Storage& storage, const StreamLookup& lookup) {
  std::map<std::string, SeriesInfo> found;
  for (const std::string& tenant : lookup.tenants) {
    std::vector<std::vector<Matcher>> each = lookup.selectors;
    if (each.empty()) each.emplace_back();
    std::set<std::string> seen;  // a stream matched by two selectors counts once
    for (const std::vector<Matcher>& matchers : each) {
      SeriesRequest request;
      request.tenant = tenant;
      request.start = lookup.start;
      request.end = lookup.end;
      request.matchers = matchers;
      LODE_ASSIGN_OR_RETURN(std::vector<SeriesInfo> series, storage.Series(request));
      const bool name_tenant = lookup.name_tenants && lookup.tenants.size() > 1;
      for (SeriesInfo& s : series) {
        if (name_tenant && !s.labels.Has(kTenantLabel)) {
          s.labels.Set(std::string(kTenantLabel), tenant);
        }
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

Result<std::set<std::string>> LabelNames(Storage& storage, StreamLookup lookup) {
  lookup.name_tenants = true;
  LODE_ASSIGN_OR_RETURN(std::vector<SeriesInfo> series, FindSeries(storage, lookup));
  std::set<std::string> names;
  for (const SeriesInfo& s : series) {
    for (const Label& l : s.labels) names.insert(l.name);
  }
  return names;
}

Result<std::set<std::string>> LabelValues(Storage& storage, StreamLookup lookup,
                                          const std::string& name) {
  if (!IsValidLabelName(name)) {
    return Status::InvalidArgument("invalid label name \"" + name + "\"");
  }
  if (name == kTenantLabel && lookup.tenants.size() > 1) {
    return std::set<std::string>(lookup.tenants.begin(), lookup.tenants.end());
  }
  // Only the streams that have the label are needed.
  LODE_ASSIGN_OR_RETURN(Matcher has, Matcher::Create(MatchType::kRegexMatch, name, ".+"));
  if (lookup.selectors.empty()) lookup.selectors.emplace_back();
  for (auto& m : lookup.selectors) m.push_back(has);
  LODE_ASSIGN_OR_RETURN(std::vector<SeriesInfo> series, FindSeries(storage, lookup));
  std::set<std::string> values;
  for (const SeriesInfo& s : series) {
    if (s.labels.Has(name)) values.insert(std::string(s.labels.Get(name)));
  }
  return values;
}

Result<IndexStats> ComputeIndexStats(Storage& storage, const StreamLookup& lookup) {
  LODE_ASSIGN_OR_RETURN(std::vector<SeriesInfo> series, FindSeries(storage, lookup));
  IndexStats stats;
  stats.streams = series.size();
  for (const SeriesInfo& s : series) {
    stats.chunks += s.chunks;
    stats.entries += s.entries;
    stats.bytes += s.bytes;
  }
  return stats;
}

Result<std::vector<DetectedLabel>> DetectLabels(Storage& storage, const StreamLookup& lookup) {
  LODE_ASSIGN_OR_RETURN(std::vector<SeriesInfo> series, FindSeries(storage, lookup));
  std::map<std::string, std::set<std::string>> values;
  for (const SeriesInfo& s : series) {
    for (const Label& l : s.labels) values[l.name].insert(l.value);
  }
  std::vector<DetectedLabel> out;
  out.reserve(values.size());
  for (const auto& [name, v] : values) out.push_back(DetectedLabel{name, v.size()});
  return out;
}

Result<std::vector<std::string>> VolumeGrouping(const std::vector<std::string>& target_labels,
                                                const std::vector<Matcher>& selector) {
  std::vector<std::string> by = target_labels;
  if (by.empty()) {
    for (const Matcher& m : selector) by.push_back(m.name());
  }
  std::sort(by.begin(), by.end());
  by.erase(std::unique(by.begin(), by.end()), by.end());
  for (const std::string& b : by) {
    if (!IsValidLabelName(b)) return Status::InvalidArgument("invalid target label \"" + b + "\"");
  }
  return by;
}

Result<MetricQueryResult> StreamVolumes(Storage& storage, const StreamLookup& lookup,
                                        const std::vector<std::string>& by, size_t limit) {
  LODE_ASSIGN_OR_RETURN(std::vector<SeriesInfo> series, FindSeries(storage, lookup));
  std::map<std::string, std::pair<Labels, uint64_t>> volumes;
  for (const SeriesInfo& s : series) {
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
  sorted.reserve(volumes.size());
  for (auto& [k, v] : volumes) sorted.push_back(std::move(v));
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (sorted.size() > limit) sorted.resize(limit);
  MetricQueryResult result;
  result.type = MetricQueryResult::Type::kVector;
  for (auto& [labels, bytes] : sorted) {
    MetricSeries s;
    s.labels = std::move(labels);
    s.samples.push_back(MetricSample{lookup.end - 1, static_cast<double>(bytes)});
    result.series.push_back(std::move(s));
  }
  return result;
}

Result<MetricQueryResult> StreamVolumesOverRange(Storage& storage, const std::string& query,
                                                 const std::vector<std::string>& by,
                                                 const MetricQueryParams& params) {
  std::string grouping;
  for (const std::string& b : by) grouping += (grouping.empty() ? "" : ", ") + b;
  std::string text = "sum by (" + grouping + ") (bytes_over_time(" + query + " [" +
                     std::to_string(params.step_ns / 1000000) + "ms]))";
  LODE_ASSIGN_OR_RETURN(logql::Expr expr, logql::ParseQuery(text));
  return ExecuteMetricQuery(storage, expr, params);
}

}  // namespace lode
