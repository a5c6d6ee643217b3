#include "storage/part_snapshot.h"

#include "base/log.h"
#include "storage/block_prefetcher.h"

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

void PartSnapshot::ScanTimestamps(const SelectRequest& request, ReadPool* pool,
                                  const std::function<void(const TimestampRun&)>& fn) const {
  std::vector<BlockRef> blocks;
  ForEachBlock(request.start, request.end, [&](const BlockRef& block) { blocks.push_back(block); });
  BlockPrefetcher prefetcher(
      std::move(blocks), pool,
      [](const BlockRef& block, std::string& scratch, BlockPrefetcher::Decoded& out) {
        out.status =
            block.part->ReadBlock(block.index, {}, /*with_lines=*/false, {}, scratch, out.block);
      });
  std::vector<TimestampNs> ts;
  std::vector<Labels> metadata;
  for (size_t i = 0; i < prefetcher.size(); ++i) {
    const BlockPrefetcher::Decoded& decoded = prefetcher.Open(i);
    const BlockRef& ref = prefetcher.block(i);
    const part::DecodedBlock& block = decoded.block;
    if (!decoded.status.ok()) {
      ReportCorruptBlock(decoded.status);
    } else if (ref.meta().min_time >= request.start && ref.meta().max_time < request.end) {
      fn(TimestampRun{&ref.stream(), block.timestamps.data(),
                      block.metadata.empty() ? nullptr : block.metadata.data(),
                      block.timestamps.size()});
    } else {
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
        fn(TimestampRun{&ref.stream(), ts.data(), metadata.empty() ? nullptr : metadata.data(),
                        ts.size()});
      }
    }
    prefetcher.Release(i);
  }
}

void PartSnapshot::ReportCorruptBlock(const Status& error) const {
  log::Error("skipping corrupt block", {{"tenant", tenant_}, {"err", error.message()}});
  if (on_corrupt_block_) on_corrupt_block_();
}

}  // namespace lode
