#include "storage/part_snapshot.h"

#include <algorithm>

#include "base/log.h"
#include "storage/block_prefetcher.h"
#include "storage/head.h"
#include "storage/literal_keys.h"
#include "storage/part/line_templates.h"

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
  // With literals, blocks whose filters rule them out are not read, and a
  // template block's lines are decided from its templates where they can
  // be (the literals are the whole filter here); the rest are rebuilt and
  // searched.
  const LiteralKeys keys(request.line_contains, std::string());
  // `fragments` rule blocks and lines out from templates and strings;
  // the decoder also takes the all-digit ones (`decode_fragments`), which
  // it looks for in the integers too.
  std::vector<std::string_view> fragments, decode_fragments, held;
  for (const std::string& literal : request.line_contains) {
    for (std::string_view f : part::LiteralFragments(literal)) fragments.push_back(f);
    held.push_back(literal);
  }
  decode_fragments = fragments;
  for (const std::string& literal : request.line_contains) {
    for (std::string_view f : part::DigitFragments(literal)) decode_fragments.push_back(f);
  }
  const bool literals = !request.line_contains.empty();
  if (decode_fragments.empty() ||
      std::any_of(held.begin(), held.end(), [](std::string_view l) { return l.empty(); })) {
    held.clear();
  }
  std::vector<std::string_view> literal_views(request.line_contains.begin(),
                                              request.line_contains.end());
  std::vector<BlockRef> blocks;
  ForEachBlock(request.start, request.end, [&](const BlockRef& block) {
    if (literals && !keys.MayContainAll(block)) return;
    // A block inside the range and inside every counting window it
    // touches is counted from its summary, when that can tell, unread.
    const part::BlockMeta& m = block.meta();
    if (request.count_windows && m.min_time >= request.start && m.max_time < request.end &&
        request.count_windows->Contains(m.min_time, m.max_time)) {
      if (std::optional<uint64_t> n =
              block.part->CountFromSummary(block.index, literal_views, fragments)) {
        if (*n > 0) {
          fn(TimestampRun{&block.stream(), nullptr, nullptr, static_cast<size_t>(*n), m.min_time,
                          m.max_time});
        }
        return;
      }
    }
    blocks.push_back(block);
  });
  BlockPrefetcher prefetcher(
      std::move(blocks), pool,
      [&](const BlockRef& block, std::string& scratch, BlockPrefetcher::Decoded& out) {
        out.ruled_out = false;
        out.status = block.part->ReadBlock(block.index, decode_fragments, /*with_lines=*/literals,
                                           held, scratch, out.block);
        if (out.status.code() == StatusCode::kNotFound) {
          out.ruled_out = true;
          out.status = Status::Ok();
          return;
        }
        if (!out.status.ok() || !literals) return;
        const part::DecodedBlock& b = out.block;
        out.wanted.assign(b.size(), 0);
        for (size_t i = 0; i < b.size(); ++i) {
          out.wanted[i] = b.line_holds_literals(i) ||
                          (b.line_rebuilt(i) && ContainsAll(b.line(i), request.line_contains));
        }
      });
  std::vector<TimestampNs> ts;
  std::vector<Labels> metadata;
  for (size_t i = 0; i < prefetcher.size(); ++i) {
    const BlockPrefetcher::Decoded& decoded = prefetcher.Open(i);
    const BlockRef& ref = prefetcher.block(i);
    const part::DecodedBlock& block = decoded.block;
    if (!decoded.status.ok()) {
      ReportCorruptBlock(decoded.status, request.scan_stats);
    } else if (decoded.ruled_out) {
      // No line holds the literals.
    } else if (!literals && ref.meta().min_time >= request.start &&
               ref.meta().max_time < request.end) {
      fn(TimestampRun{&ref.stream(), block.timestamps.data(),
                      block.metadata.empty() ? nullptr : block.metadata.data(),
                      block.timestamps.size()});
    } else {
      // A block across the range's edge, or with lines to leave out: only
      // its wanted records inside.
      ts.clear();
      metadata.clear();
      for (size_t k = 0; k < block.timestamps.size(); ++k) {
        const TimestampNs t = block.timestamps[k];
        if (t < request.start || t >= request.end) continue;
        if (literals && !decoded.wanted[k]) continue;
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

void PartSnapshot::ReportCorruptBlock(const Status& error, ReadStats* stats) const {
  log::Error("skipping corrupt block", {{"tenant", tenant_}, {"err", error.message()}});
  if (on_corrupt_block_) on_corrupt_block_();
  if (stats != nullptr) stats->AddWarning(kSkippedBlocksWarning);
}

}  // namespace lode
