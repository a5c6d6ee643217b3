#include "cluster/cluster_store.h"

#include <algorithm>

#include "storage/hide_chain_links.h"
#include "storage/merge_iterator.h"

namespace lode {
namespace {

// A MergeIterator that also reports what the cluster read could not
// reach.
class WarningIterator final : public RecordIterator {
 public:
  WarningIterator(std::unique_ptr<RecordIterator> inner, std::vector<std::string> warnings)
      : inner_(std::move(inner)), warnings_(std::move(warnings)) {}
  bool Next() override { return inner_->Next(); }
  const Record& record() const override { return inner_->record(); }
  Status status() const override { return inner_->status(); }
  ReadStats read_stats() const override {
    ReadStats stats = inner_->read_stats();
    for (const std::string& w : warnings_) stats.AddWarning(w);
    return stats;
  }

 private:
  std::unique_ptr<RecordIterator> inner_;
  std::vector<std::string> warnings_;
};

}  // namespace

Status ClusterStore::Append(const std::string&, const std::vector<StreamBatch>&, Durability,
                            std::string_view) {
  return Status::Unavailable("a cluster member takes writes through its replicated ingest log");
}

Result<PartSnapshot> ClusterStore::Snapshot(const std::string& tenant, TimestampNs start,
                                            TimestampNs end, const std::vector<Matcher>& matchers,
                                            const RecentGathered& gathered) {
  LODE_ASSIGN_OR_RETURN(auto parts, node_.PartsFor(tenant, start, end, gathered.covered));
  std::sort(parts.begin(), parts.end(),
            [](const auto& a, const auto& b) { return a->seq() < b->seq(); });
  // After the parts are open: the index then knows all their streams.
  std::vector<bool> wanted = node_.IndexOf(tenant).Match(matchers);
  ClusterNode* node = &node_;
  return PartSnapshot(tenant, std::move(parts), std::move(wanted),
                      [node] { node->CountCorruptBlock(); });
}

Result<std::unique_ptr<RecordIterator>> ClusterStore::Select(const SelectRequest& request) {
  RecentGathered gathered = node_.GatherRecent(RecentKind::kRecords, request);
  std::vector<KeyedRecord> records = std::move(gathered.answer.records);
  if (request.line_filter) {
    // Owners applied the literals, not the filter (a function).
    records.erase(
        std::remove_if(records.begin(), records.end(),
                       [&](const KeyedRecord& r) { return !request.line_filter(r.record.line); }),
        records.end());
  }
  LODE_ASSIGN_OR_RETURN(PartSnapshot snapshot, Snapshot(request.tenant, request.start, request.end,
                                                        request.matchers, gathered));
  std::unique_ptr<RecordIterator> merged = std::make_unique<MergeIterator>(
      request, std::move(records), std::move(snapshot), node_.read_pool());
  if (!gathered.warnings.empty()) {
    merged = std::make_unique<WarningIterator>(std::move(merged), std::move(gathered.warnings));
  }
  return request.keep_audit_chain ? std::move(merged) : WithoutChainLinks(std::move(merged));
}

Result<std::vector<SeriesInfo>> ClusterStore::Series(const SeriesRequest& request) {
  SelectRequest select;
  select.tenant = request.tenant;
  select.start = request.start;
  select.end = request.end;
  select.matchers = request.matchers;
  RecentGathered gathered = node_.GatherRecent(RecentKind::kSeries, select);
  std::map<std::string, SeriesInfo> found;
  for (SeriesInfo& s : gathered.answer.series) {
    SeriesInfo& into = found[s.labels.ToString()];
    if (into.labels.empty()) into.labels = s.labels;
    into.entries += s.entries;
    into.bytes += s.bytes;
    into.chunks += s.chunks;
  }
  LODE_ASSIGN_OR_RETURN(PartSnapshot snapshot, Snapshot(request.tenant, request.start, request.end,
                                                        request.matchers, gathered));
  snapshot.CollectSeries(request, &found);
  std::vector<SeriesInfo> out;
  out.reserve(found.size());
  for (auto& [key, info] : found) out.push_back(std::move(info));
  std::sort(out.begin(), out.end(),
            [](const SeriesInfo& a, const SeriesInfo& b) { return a.labels < b.labels; });
  return out;
}

Result<std::vector<AuditChain>> ClusterStore::AuditChains(const std::string& tenant) {
  return node_.AuditChainsOf(tenant);
}

Status ClusterStore::ScanTimestamps(const SelectRequest& request,
                                    const std::function<void(const TimestampRun&)>& to) {
  const std::function<void(const TimestampRun&)> fn =
      request.keep_audit_chain ? to : WithoutChainLinks(to);
  RecentGathered gathered = node_.GatherRecent(RecentKind::kTimestamps, request);
  for (const OwnedTimestampRun& run : gathered.answer.runs) {
    TimestampRun r;
    r.stream = &run.stream;
    r.timestamps = run.timestamps.data();
    r.metadata = run.metadata.empty() ? nullptr : run.metadata.data();
    r.count = run.timestamps.size();
    fn(r);
  }
  LODE_ASSIGN_OR_RETURN(PartSnapshot snapshot, Snapshot(request.tenant, request.start, request.end,
                                                        request.matchers, gathered));
  snapshot.ScanTimestamps(request, node_.read_pool(), fn);
  if (request.scan_stats != nullptr) {
    for (const std::string& w : gathered.warnings) request.scan_stats->AddWarning(w);
  }
  return Status::Ok();
}

}  // namespace lode
