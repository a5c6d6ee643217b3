// TenantLog's reads: each takes the heads and a PartSnapshot at one
// instant (TakeReadView), then reads them outside the lock.
#include <algorithm>

#include "storage/merge_iterator.h"
#include "storage/tenant_log.h"

namespace lode {
namespace {

// Equal timestamps: parts (their sequence numbers), then the head being
// flushed, then the live head.
constexpr uint64_t kFlushingSource = ~uint64_t{0} - 1;
constexpr uint64_t kHeadSource = ~uint64_t{0};

}  // namespace

TenantLog::ReadView TenantLog::TakeReadView(
    const std::vector<Matcher>& matchers, const std::function<void(const Head&)>& read_live_head) {
  ReadView view;
  PartSnapshot::Parts parts;
  {
    // The heads and the part list are taken together under mu_, where a
    // flush publishes, so each record is seen exactly once.
    MutexLock lock(mu_);
    view.flushing = flushing_;
    parts = parts_->Snapshot();
    read_live_head(*head_);
  }
  // After the part list: the index then knows every stream of its parts.
  PartSet* part_set = parts_.get();
  view.parts = PartSnapshot(tenant_, std::move(parts), parts_->stream_index().Match(matchers),
                            [part_set] { part_set->CountCorruptBlock(); });
  return view;
}

std::unique_ptr<RecordIterator> TenantLog::Select(const SelectRequest& request) {
  std::vector<KeyedRecord> head_records;
  ReadView view = TakeReadView(request.matchers, [&](const Head& head) {
    head.Collect(request, kHeadSource, head_records);
  });
  if (view.flushing) view.flushing->Collect(request, kFlushingSource, head_records);
  return HideChainLinks(request,
                        std::make_unique<MergeIterator>(request, std::move(head_records),
                                                        std::move(view.parts), options_.read_pool));
}

Status TenantLog::ScanTimestamps(const SelectRequest& request,
                                 const std::function<void(const TimestampRun&)>& to) {
  const std::function<void(const TimestampRun&)> fn = HideChainLinks(request, to);
  ReadView view =
      TakeReadView(request.matchers, [&](const Head& head) { head.ScanTimestamps(request, fn); });
  if (view.flushing) view.flushing->ScanTimestamps(request, fn);
  view.parts.ScanTimestamps(request, options_.read_pool, fn);
  return Status::Ok();
}

std::vector<SeriesInfo> TenantLog::Series(const SeriesRequest& request) {
  std::map<std::string, SeriesInfo> found;
  ReadView view = TakeReadView(request.matchers,
                               [&](const Head& head) { head.CollectSeries(request, &found); });
  if (view.flushing) view.flushing->CollectSeries(request, &found);
  view.parts.CollectSeries(request, &found);
  std::vector<SeriesInfo> out;
  out.reserve(found.size());
  for (auto& [key, info] : found) out.push_back(std::move(info));
  std::sort(out.begin(), out.end(),
            [](const SeriesInfo& a, const SeriesInfo& b) { return a.labels < b.labels; });
  return out;
}

}  // namespace lode
