#include "storage/merge_iterator.h"

#include <algorithm>

#include "storage/part/block_codec.h"
#include "storage/part/line_templates.h"
#include "storage/part/token_filter.h"

namespace lode {

bool MergeIterator::KeyAfter::operator()(const Key& a, const Key& b) const {
  auto ka = std::tie(a.timestamp, a.source, a.seq);
  auto kb = std::tie(b.timestamp, b.source, b.seq);
  if (ka == kb) return a.opened && !b.opened;  // open a block before reading past it
  return forward ? ka > kb : ka < kb;
}

MergeIterator::MergeIterator(const SelectRequest& request, std::vector<KeyedRecord> head_records,
                             PartSnapshot parts, ReadPool* pool)
    : request_(request),
      keys_(request.line_contains, request.record_contains),
      head_(std::move(head_records)),
      parts_(std::move(parts)),
      heap_(KeyAfter{request.direction == Direction::kForward}) {
  std::vector<Key> unopened;
  for (const std::string& literal : request_.line_contains) {
    for (std::string_view fragment : part::LiteralFragments(literal)) {
      fragments_.push_back(fragment);
    }
    for (std::string_view fragment : part::DigitFragments(literal)) {
      fragments_.push_back(fragment);
    }
  }
  with_lines_ = request_.needs_lines();
  if (request_.only_line_contains && request_.timestamps_only && request_.record_contains.empty() &&
      !fragments_.empty()) {
    for (const std::string& literal : request_.line_contains) {
      if (literal.empty()) {
        held_literals_.clear();
        break;
      }
      held_literals_.push_back(literal);
    }
  }
  auto order = [](const KeyedRecord& a, const KeyedRecord& b) {
    return std::tie(a.timestamp, a.source, a.seq) < std::tie(b.timestamp, b.source, b.seq);
  };
  std::sort(head_.begin(), head_.end(), order);
  if (!forward()) std::reverse(head_.begin(), head_.end());
  if (!head_.empty()) {
    runs_.push_back(Run{});
    runs_.back().is_head = true;
    PushNext(runs_.size() - 1);
  }
  parts_.ForEachBlock(request_.start, request_.end, [&](const BlockRef& block) {
    ++stats_.blocks_referenced;
    if (!keys_.MayContainAll(block)) {
      ++stats_.blocks_skipped;
      return;
    }
    Run run;
    run.block = block;
    runs_.push_back(std::move(run));
    // Unopened, the block stands at the edge of its time range.
    const part::BlockMeta& meta = block.meta();
    uint64_t last = meta.records - 1;
    unopened.push_back(Key{forward() ? meta.min_time : meta.max_time, block.part->seq(),
                           (static_cast<uint64_t>(block.index) << 32) | (forward() ? 0 : last),
                           runs_.size() - 1, false});
    heap_.push(unopened.back());
  });
  // Unopened keys never change, so the heap opens blocks in their order.
  KeyAfter after{forward()};
  std::sort(unopened.begin(), unopened.end(),
            [&](const Key& a, const Key& b) { return after(b, a); });
  std::vector<BlockRef> open_order;
  for (const Key& k : unopened) {
    runs_[k.run].order = open_order.size();
    open_order.push_back(runs_[k.run].block);
  }
  blocks_ = std::make_unique<BlockPrefetcher>(
      std::move(open_order), pool,
      [this](const BlockRef& block, std::string& scratch, BlockPrefetcher::Decoded& out) {
        DecodeAndFilter(block, scratch, out);
      });
}

void MergeIterator::DecodeAndFilter(const BlockRef& block, std::string& scratch,
                                    BlockPrefetcher::Decoded& out) const {
  out.ruled_out = false;
  // The decoder checks the fragments against a template block's template
  // and string columns first; most blocks of a needle query stop there.
  out.status = block.part->ReadBlock(block.index, fragments_, with_lines_, held_literals_, scratch,
                                     out.block);
  if (out.status.code() == StatusCode::kNotFound) {
    out.ruled_out = true;
    out.status = Status::Ok();
    return;
  }
  if (!out.status.ok()) return;
  const part::DecodedBlock& b = out.block;
  out.wanted.assign(b.size(), 0);
  // Lines the decoder found to hold the literals from their templates
  // alone: wanted, with no text to filter (only with held_literals_).
  uint64_t decided = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    TimestampNs t = b.timestamps[i];
    if (b.line_holds_literals(i)) {
      decided += t >= request_.start && t < request_.end;
      continue;
    }
    // A line not rebuilt cannot contain the literals.
    out.wanted[i] =
        b.line_rebuilt(i) && t >= request_.start && t < request_.end &&
        ContainsAll(b.line(i), request_.line_contains) &&
        (request_.record_contains.empty() ||
         RecordContains(b.line(i), b.metadata.empty() ? Labels() : b.metadata[i],
                        request_.record_contains)) &&
        (request_.block_filter || !request_.line_filter || request_.line_filter(b.line(i)));
  }
  if (request_.block_filter && b.size() > 0) {
    request_.block_filter(b.data, b.line_offsets.data(), b.size(), out.wanted.data());
  }
  if (decided > 0) {
    for (size_t i = 0; i < b.size(); ++i) {
      TimestampNs t = b.timestamps[i];
      if (b.line_holds_literals(i) && t >= request_.start && t < request_.end) out.wanted[i] = 1;
    }
    if (request_.on_decided) {
      const part::BlockMeta& meta = block.meta();
      request_.on_decided(decided, meta.records == 0 ? 0 : meta.raw_size * decided / meta.records);
    }
  }
}

bool MergeIterator::Open(size_t index) {
  Run& run = runs_[index];
  BlockPrefetcher::Decoded& decoded = blocks_->Open(run.order);
  if (decoded.status.ok() && decoded.ruled_out) {
    ++stats_.blocks_ruled_out;
    blocks_->Release(run.order);
    return false;
  }
  if (!decoded.status.ok()) {
    parts_.ReportCorruptBlock(decoded.status, &stats_);
    blocks_->Release(run.order);
    return false;
  }
  run.decoded = &decoded;
  const part::BlockMeta& meta = run.block.meta();
  ++stats_.blocks_read;
  stats_.compressed_bytes += meta.size;
  stats_.decompressed_bytes += meta.raw_size;
  stats_.decompressed_lines += meta.records;
  return true;
}

void MergeIterator::PushNext(size_t index) {
  Run& run = runs_[index];
  if (run.is_head) {
    if (run.pos < head_.size()) {
      const KeyedRecord& r = head_[run.pos];
      Offer(Key{r.timestamp, r.source, r.seq, index, true});
    }
    return;
  }
  const BlockPrefetcher::Decoded& decoded = *run.decoded;
  size_t n = decoded.block.size();
  while (run.pos < n) {
    size_t i = forward() ? run.pos : n - 1 - run.pos;
    if (decoded.wanted[i]) {
      Offer(Key{decoded.block.timestamps[i], run.block.part->seq(),
                (static_cast<uint64_t>(run.block.index) << 32) | i, index, true});
      return;
    }
    ++run.pos;
  }
  run.decoded = nullptr;  // done with this block
  blocks_->Release(run.order);
}

void MergeIterator::Offer(const Key& key) {
  if (!hot_) {
    hot_ = key;
  } else if (KeyAfter{forward()}(*hot_, key)) {  // the held key comes after
    heap_.push(*hot_);
    hot_ = key;
  } else {
    heap_.push(key);
  }
}

bool MergeIterator::Next() {
  for (;;) {
    Key top;
    if (hot_ && (heap_.empty() || !KeyAfter{forward()}(*hot_, heap_.top()))) {
      top = *hot_;
      hot_.reset();
    } else if (!heap_.empty()) {
      top = heap_.top();
      heap_.pop();
    } else {
      return false;
    }
    Run& run = runs_[top.run];
    if (!top.opened) {
      if (Open(top.run)) PushNext(top.run);
      continue;
    }
    if (run.is_head) {
      current_ = std::move(head_[run.pos].record);
      current_stream_ = nullptr;
    } else {
      const part::DecodedBlock& block = run.decoded->block;
      size_t i = forward() ? run.pos : block.size() - 1 - run.pos;
      current_.timestamp = block.timestamps[i];
      const Labels& stream = run.block.stream();
      if (current_stream_ != &stream) {
        current_.stream = stream;
        current_stream_ = &stream;
      }
      current_.line.assign(block.line(i));
      if (block.metadata.empty()) {
        current_.metadata = Labels();
      } else {
        current_.metadata = block.metadata[i];
      }
    }
    ++run.pos;
    PushNext(top.run);
    return true;
  }
}

}  // namespace lode
