#include "storage/part_snapshot.h"

#include "base/log.h"

namespace lode {

PartSnapshot::PartSnapshot(std::string tenant, Parts parts, std::vector<bool> wanted_streams,
                           std::function<void()> on_corrupt_block)
    : tenant_(std::move(tenant)),
      parts_(std::move(parts)),
      wanted_streams_(std::move(wanted_streams)),
      on_corrupt_block_(std::move(on_corrupt_block)) {}

void PartSnapshot::ForEachBlock(TimestampNs start, TimestampNs end,
                                const std::function<void(const BlockRef&)>& visit) const {
  for (const std::shared_ptr<const ReadablePart>& p : parts_) {
    const part::PartMeta& meta = p->meta();
    if (meta.records == 0 || meta.max_time < start || meta.min_time >= end) continue;
    const std::vector<uint32_t>& ids = p->stream_ids();
    const std::vector<part::BlockMeta>& blocks = p->blocks();
    for (size_t i = 0; i < blocks.size(); ++i) {
      const part::BlockMeta& b = blocks[i];
      if (b.max_time < start || b.min_time >= end) continue;
      const uint32_t id = ids[b.stream];
      if (id >= wanted_streams_.size() || !wanted_streams_[id]) continue;
      visit(BlockRef{p.get(), i});
    }
  }
}

void PartSnapshot::CollectSeries(const SeriesRequest& request,
                                 std::map<std::string, SeriesInfo>* out) const {
  ForEachBlock(request.start, request.end, [&](const BlockRef& block) {
    const Labels& labels = block.stream();
    SeriesInfo& info = (*out)[labels.ToString()];
    if (info.labels.empty()) info.labels = labels;
    info.entries += block.meta().records;
    info.bytes += block.meta().raw_size;
    info.chunks += 1;
  });
}

void PartSnapshot::ScanTimestamps(const SelectRequest& request,
                                  const std::function<void(const TimestampRun&)>& fn) const {
  std::string bytes;
  part::DecodedBlock block;
  std::vector<TimestampNs> ts;
  std::vector<Labels> metadata;
  ForEachBlock(request.start, request.end, [&](const BlockRef& ref) {
    Status s = ref.part->ReadBlock(ref.index, {}, /*with_lines=*/false, bytes, block);
    if (!s.ok()) {
      ReportCorruptBlock(s);
      return;
    }
    const part::BlockMeta& b = ref.meta();
    const Labels* stream = &ref.stream();
    if (b.min_time >= request.start && b.max_time < request.end) {
      fn(TimestampRun{stream, block.timestamps.data(),
                      block.metadata.empty() ? nullptr : block.metadata.data(),
                      block.timestamps.size()});
      return;
    }
    // A block across the range's edge: only its records inside.
    ts.clear();
    metadata.clear();
    for (size_t k = 0; k < block.timestamps.size(); ++k) {
      const TimestampNs t = block.timestamps[k];
      if (t < request.start || t >= request.end) continue;
      ts.push_back(t);
      if (!block.metadata.empty()) metadata.push_back(block.metadata[k]);
    }
    if (!ts.empty()) {
      fn(TimestampRun{stream, ts.data(), metadata.empty() ? nullptr : metadata.data(), ts.size()});
    }
  });
}

void PartSnapshot::ReportCorruptBlock(const Status& error) const {
  log::Error("skipping corrupt block", {{"tenant", tenant_}, {"err", error.message()}});
  if (on_corrupt_block_) on_corrupt_block_();
}

}  // namespace lode
