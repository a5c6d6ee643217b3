#include "storage/part_merge.h"

#include <algorithm>
#include <limits>
#include <map>
#include <queue>

#include "base/log.h"

namespace lode {
namespace {

// One input's blocks of the stream being merged, read one at a time.
struct Cursor {
  const part::PartReader* reader = nullptr;
  size_t order = 0;            // input position: breaks timestamp ties
  std::vector<size_t> blocks;  // of this stream, in time order
  size_t next_block = 0;
  part::DecodedBlock block;
  size_t pos = 0;

  // Moves to the next record, loading blocks as needed; false at the end.
  bool Advance() {
    while (pos >= block.size()) {
      if (next_block >= blocks.size()) return false;
      auto decoded = reader->ReadBlock(blocks[next_block++]);
      if (!decoded.ok()) {
        log::Error("merge: leaving out a corrupt block", {{"err", decoded.status().message()}});
        block = part::DecodedBlock{};
        continue;
      }
      block = std::move(decoded).value();
      pos = 0;
    }
    return true;
  }
};

}  // namespace

Status MergeParts(Env* env, const std::vector<std::shared_ptr<const LocalPart>>& inputs,
                  const std::string& path, const part::PartWriterOptions& options,
                  const std::atomic<bool>* cancel) {
  auto cancelled = [&] { return cancel != nullptr && cancel->load(std::memory_order_relaxed); };
  // Every stream of every input, in label order, with its blocks per input.
  std::map<std::string, std::pair<Labels, std::vector<std::vector<size_t>>>> streams;
  uint64_t wal_checkpoint = 0;
  std::vector<uint64_t> replaces;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const part::PartReader& reader = inputs[i]->reader();
    wal_checkpoint = std::max(wal_checkpoint, reader.meta().wal_checkpoint);
    replaces.push_back(inputs[i]->seq());
    for (size_t b = 0; b < reader.blocks().size(); ++b) {
      const Labels& labels = reader.streams()[reader.blocks()[b].stream];
      auto& entry = streams[labels.ToString()];
      if (entry.second.empty()) {
        entry.first = labels;
        entry.second.resize(inputs.size());
      }
      entry.second[i].push_back(b);
    }
  }

  LODE_ASSIGN_OR_RETURN(auto writer, part::PartWriter::Create(env, path, options));
  // Records of `blocks` (per input, each input's in time order) merged in
  // time order into the writer.
  auto merge_records = [&](std::vector<std::vector<size_t>>& blocks) -> Status {
    std::vector<Cursor> cursors(inputs.size());
    auto later = [&](size_t a, size_t b) {
      const Cursor& x = cursors[a];
      const Cursor& y = cursors[b];
      TimestampNs tx = x.block.timestamps[x.pos], ty = y.block.timestamps[y.pos];
      return tx != ty ? tx > ty : x.order > y.order;
    };
    std::priority_queue<size_t, std::vector<size_t>, decltype(later)> heap(later);
    for (size_t i = 0; i < inputs.size(); ++i) {
      cursors[i].reader = &inputs[i]->reader();
      cursors[i].order = i;
      cursors[i].blocks = std::move(blocks[i]);
      blocks[i].clear();
      if (cursors[i].Advance()) heap.push(i);
    }
    while (!heap.empty()) {
      size_t i = heap.top();
      heap.pop();
      Cursor& c = cursors[i];
      LODE_RETURN_IF_ERROR(
          writer->Add(c.block.timestamps[c.pos], c.block.line(c.pos),
                      c.block.metadata.empty() ? Labels() : c.block.metadata[c.pos]));
      ++c.pos;
      if (c.pos >= c.block.size() && cancelled()) return Status::Cancelled("merge cancelled");
      if (c.Advance()) heap.push(i);
    }
    return Status::Ok();
  };
  // A block that no other block of its stream overlaps in time may be
  // copied as it is stored, not decoded and encoded again: the writer
  // copies it where encoding would give a block of the same records (a
  // large stream's, at least half full; PartWriter::CopyBlock), so most
  // of a merge of a busy day's large streams is a copy.
  struct BlockRef {
    size_t input, block;
    const part::BlockMeta* meta;
  };
  for (auto& [key, stream] : streams) {
    if (cancelled()) return Status::Cancelled("merge cancelled");
    uint64_t raw_bytes = 0;  // a large stream is cut as it comes, not held first
    std::vector<BlockRef> refs;
    for (size_t i = 0; i < inputs.size(); ++i) {
      for (size_t b : stream.second[i]) {
        const part::BlockMeta& m = inputs[i]->reader().blocks()[b];
        raw_bytes += m.raw_size;
        refs.push_back(BlockRef{i, b, &m});
      }
    }
    LODE_RETURN_IF_ERROR(writer->BeginStream(stream.first, raw_bytes));
    // In time order (each input's blocks keep theirs): a block is alone
    // in its time range when every block before it ends before it starts
    // and the next starts after it ends.
    std::stable_sort(refs.begin(), refs.end(), [](const BlockRef& a, const BlockRef& b) {
      return a.meta->min_time < b.meta->min_time;
    });
    std::vector<std::vector<size_t>> pending(inputs.size());  // blocks to merge by record
    bool any_pending = false;
    TimestampNs max_before = std::numeric_limits<TimestampNs>::min();
    for (size_t k = 0; k < refs.size(); ++k) {
      const BlockRef& r = refs[k];
      const bool alone = (k == 0 || max_before < r.meta->min_time) &&
                         (k + 1 == refs.size() || refs[k + 1].meta->min_time > r.meta->max_time);
      max_before = std::max(max_before, r.meta->max_time);
      if (alone) {
        if (any_pending) {
          LODE_RETURN_IF_ERROR(merge_records(pending));
          any_pending = false;
        }
        LODE_ASSIGN_OR_RETURN(bool copied, writer->CopyBlock(inputs[r.input]->reader(), r.block));
        if (copied) continue;
      }
      // Kept in input order within each input: refs are time-ordered and
      // an input's blocks of one stream are too.
      pending[r.input].push_back(r.block);
      any_pending = true;
    }
    if (any_pending) LODE_RETURN_IF_ERROR(merge_records(pending));
  }
  return writer->Finish(wal_checkpoint, replaces);
}

std::vector<std::shared_ptr<const LocalPart>> PickMergeInputs(
    std::vector<std::shared_ptr<const LocalPart>> day_parts, size_t min_parts, size_t max_parts) {
  std::sort(day_parts.begin(), day_parts.end(),
            [](const auto& a, const auto& b) { return a->file_size() < b->file_size(); });
  // From the smallest part up, the first run that is long enough: one
  // small part (the last flush before a stop, say) must not keep a day's
  // many larger parts from merging.
  for (size_t first = 0; first + min_parts <= day_parts.size(); ++first) {
    size_t end = first;
    uint64_t total = 0;
    while (end < day_parts.size() && end - first < max_parts) {
      uint64_t size = day_parts[end]->file_size();
      // No larger than 1.5 times everything taken so far: the result is
      // then at least 5/3 of its largest input. A bound of 2 let a large
      // part join every few small ones and be rewritten again and again
      // (on 1 GB of lines flushed as 36 parts, 2.5 times the data was
      // written by merges; simulated over 300 flushes, 4.3 times against
      // 3.3 now, with 8 parts at least per merge).
      if (end > first && 2 * size > 3 * total) break;
      total += size;
      ++end;
    }
    if (end - first < min_parts) continue;
    std::vector<std::shared_ptr<const LocalPart>> picked(
        std::make_move_iterator(day_parts.begin() + first),
        std::make_move_iterator(day_parts.begin() + end));
    std::sort(picked.begin(), picked.end(),
              [](const auto& a, const auto& b) { return a->seq() < b->seq(); });
    return picked;
  }
  return {};
}

}  // namespace lode
