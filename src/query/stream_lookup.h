// Questions about streams rather than lines (label names and values,
// series, index stats, detected labels, volumes), answered from the
// stream index and block summaries without reading a line.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/matcher.h"
#include "query/metric_query.h"
#include "storage/storage.h"

namespace lode {

// Which streams a lookup is about: those of `tenants` with records in
// [start, end) matching any of `selectors` (every stream when empty).
struct StreamLookup {
  std::vector<std::string> tenants;
  TimestampNs start = 0;
  TimestampNs end = 0;
  std::vector<std::vector<Matcher>> selectors;
  // With several tenants, each stream carries __tenant_id__ naming its
  // tenant (unless it has that label already), as Loki's series and label
  // names do; the other lookups merge the tenants' answers as Loki does.
  bool name_tenants = false;
};

// The streams of the lookup, each once (a stream of two tenants with the
// same labels, unless name_tenants, or matched by two selectors, is one),
// ordered by labels, with their entries, bytes and blocks summed.
Result<std::vector<SeriesInfo>> FindSeries(Storage& storage, const StreamLookup& lookup);

// The label names of the streams (every stream label, sorted; and
// __tenant_id__ with several tenants).
Result<std::set<std::string>> LabelNames(Storage& storage, StreamLookup lookup);
// The values `name` takes in the streams that have it, sorted. With
// several tenants, those of __tenant_id__ are the tenants.
Result<std::set<std::string>> LabelValues(Storage& storage, StreamLookup lookup,
                                          const std::string& name);

struct IndexStats {
  uint64_t streams = 0;
  uint64_t chunks = 0;  // blocks, which play the role of Loki's chunks
  uint64_t entries = 0;
  uint64_t bytes = 0;
};
Result<IndexStats> ComputeIndexStats(Storage& storage, const StreamLookup& lookup);

struct DetectedLabel {
  std::string label;
  uint64_t cardinality = 0;  // distinct values among the streams
};
// Every label name of the streams with its number of values, by name.
Result<std::vector<DetectedLabel>> DetectLabels(Storage& storage, const StreamLookup& lookup);

// The labels a volume request sums by: `target_labels` when given, else
// the names `selector` matches on; sorted, each once. InvalidArgument
// for a name that is not a label name.
Result<std::vector<std::string>> VolumeGrouping(const std::vector<std::string>& target_labels,
                                                const std::vector<Matcher>& selector);

// Bytes per group of streams (the values of `by` each has), the largest
// `limit` groups, largest first, as an instant vector at end - 1.
Result<MetricQueryResult> StreamVolumes(Storage& storage, const StreamLookup& lookup,
                                        const std::vector<std::string>& by, size_t limit);

// The same per `step_ns` over the range: a bytes_over_time query of
// `query`, summed by `by`. `params` gives tenants, range, step and limits.
Result<MetricQueryResult> StreamVolumesOverRange(Storage& storage, const std::string& query,
                                                 const std::vector<std::string>& by,
                                                 const MetricQueryParams& params);

}  // namespace lode
