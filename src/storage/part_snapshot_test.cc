// PartSnapshot, BlockPrefetcher and MergeIterator over parts that are not
// files: a ReadablePart held in memory, as a part kept elsewhere than the
// local disk would be.
#include "storage/part_snapshot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "storage/block_prefetcher.h"
#include "storage/merge_iterator.h"
#include "storage/read_pool.h"

namespace lode {
namespace {

// A part whose blocks are vectors of entries. Counts its block reads.
class MemoryPart final : public ReadablePart {
 public:
  MemoryPart(uint64_t seq, std::vector<Labels> streams, std::vector<uint32_t> stream_ids)
      : seq_(seq), streams_(std::move(streams)), stream_ids_(std::move(stream_ids)) {}

  // Adds a block of stream `stream` (an index into the stream table);
  // `entries` sorted by time.
  void AddBlock(uint32_t stream, std::vector<Entry> entries) {
    part::BlockMeta b;
    b.stream = stream;
    b.min_time = entries.front().timestamp;
    b.max_time = entries.back().timestamp;
    b.records = static_cast<uint32_t>(entries.size());
    for (const Entry& e : entries) b.raw_size += e.line.size();
    if (meta_.records == 0 || b.min_time < meta_.min_time) meta_.min_time = b.min_time;
    if (meta_.records == 0 || b.max_time > meta_.max_time) meta_.max_time = b.max_time;
    meta_.records += b.records;
    blocks_.push_back(b);
    entries_.push_back(std::move(entries));
    corrupt_.push_back(false);
  }
  void Corrupt(size_t block) { corrupt_[block] = true; }
  int reads() const { return reads_.load(); }

  uint64_t seq() const override { return seq_; }
  const part::PartMeta& meta() const override { return meta_; }
  const std::vector<Labels>& streams() const override { return streams_; }
  const std::vector<uint32_t>& stream_ids() const override { return stream_ids_; }
  const std::vector<part::BlockMeta>& blocks() const override { return blocks_; }
  std::string_view BlockFilter(size_t) const override { return {}; }
  std::string_view BlockStringFilter(size_t) const override { return part::kUnknownStringFilter; }
  bool TemplatesMayContain(std::string_view) const override { return true; }

  Status ReadBlock(size_t index, const std::vector<std::string_view>& fragments, bool with_lines,
                   const std::vector<std::string_view>& /*held_literals*/, std::string& /*scratch*/,
                   part::DecodedBlock& out) const override {
    ++reads_;
    if (corrupt_[index]) return Status::Corruption("block " + std::to_string(index) + " damaged");
    const std::vector<Entry>& entries = entries_[index];
    bool some_line_holds_fragments = false;
    out = part::DecodedBlock{};
    out.line_offsets.push_back(0);
    bool any_metadata = false;
    for (const Entry& e : entries) any_metadata |= !e.metadata.empty();
    for (const Entry& e : entries) {
      out.timestamps.push_back(e.timestamp);
      if (any_metadata) out.metadata.push_back(e.metadata);
      if (with_lines) out.data += e.line;
      out.line_offsets.push_back(out.data.size());
      bool holds = true;
      for (std::string_view f : fragments) holds &= e.line.view().find(f) != std::string::npos;
      some_line_holds_fragments |= holds;
    }
    return some_line_holds_fragments ? Status::Ok()
                                     : Status::NotFound("no line holds the fragments");
  }

 private:
  const uint64_t seq_;
  const std::vector<Labels> streams_;
  const std::vector<uint32_t> stream_ids_;
  part::PartMeta meta_;
  std::vector<part::BlockMeta> blocks_;
  std::vector<std::vector<Entry>> entries_;
  std::vector<bool> corrupt_;
  mutable std::atomic<int> reads_{0};
};

// Entries at the given times, each line naming its stream and time.
std::vector<Entry> At(const std::string& stream, std::vector<TimestampNs> times) {
  std::vector<Entry> entries;
  for (TimestampNs t : times) {
    Labels metadata;
    if (t % 2 == 1) metadata = Labels({{"odd", "1"}});
    entries.push_back(Entry{t, stream + "@" + std::to_string(t), metadata});
  }
  return entries;
}

// Tenant streams: id 0 app=a, 1 app=b, 2 app=c.
const Labels kA({{"app", "a"}});
const Labels kB({{"app", "b"}});
const Labels kC({{"app", "c"}});

class PartSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Part 1: a over [10, 30], b over [15, 25] and [40, 50].
    auto first =
        std::make_shared<MemoryPart>(1, std::vector<Labels>{kA, kB}, std::vector<uint32_t>{0, 1});
    first->AddBlock(0, At("a", {10, 20, 30}));
    first->AddBlock(1, At("b", {15, 25}));
    first->AddBlock(1, At("b", {40, 45, 50}));
    // Part 2: c, then a, over [100, 120]; its stream table has c first.
    auto second =
        std::make_shared<MemoryPart>(2, std::vector<Labels>{kC, kA}, std::vector<uint32_t>{2, 0});
    second->AddBlock(0, At("c", {100, 110}));
    second->AddBlock(1, At("a", {101, 120}));
    first_ = first.get();
    second_ = second.get();
    parts_ = {first, second};
  }

  // A snapshot of both parts wanting streams a and b (not c).
  PartSnapshot Snapshot() {
    return PartSnapshot("t", parts_, {true, true, false}, [this] { ++corrupt_; });
  }

  // "part:block" for each block visited over [start, end).
  std::vector<std::string> Visited(TimestampNs start, TimestampNs end) {
    std::vector<std::string> out;
    Snapshot().ForEachBlock(start, end, [&](const BlockRef& b) {
      out.push_back(std::to_string(b.part->seq()) + ":" + std::to_string(b.index));
    });
    return out;
  }

  MemoryPart* first_ = nullptr;
  MemoryPart* second_ = nullptr;
  PartSnapshot::Parts parts_;
  int corrupt_ = 0;
};

TEST_F(PartSnapshotTest, VisitsBlocksOfWantedStreamsOverlappingTheRangeInOrder) {
  EXPECT_EQ(Visited(0, 1000), (std::vector<std::string>{"1:0", "1:1", "1:2", "2:1"}));
  // The end is exclusive, the start inclusive; blocks are skipped by
  // their own time range, not only their part's.
  EXPECT_EQ(Visited(30, 40), (std::vector<std::string>{"1:0"}));
  EXPECT_EQ(Visited(31, 40), (std::vector<std::string>{}));
  EXPECT_EQ(Visited(50, 101), (std::vector<std::string>{"1:2"}));
  EXPECT_EQ(Visited(50, 102), (std::vector<std::string>{"1:2", "2:1"}));
  // c's block is never visited: the read does not want c.
  EXPECT_EQ(Visited(100, 111), (std::vector<std::string>{"2:1"}));
  // A stream the index learned after the snapshot's match is not wanted.
  PartSnapshot short_match("t", parts_, {true}, {});
  std::vector<uint32_t> streams;
  short_match.ForEachBlock(0, 1000, [&](const BlockRef& b) { streams.push_back(b.meta().stream); });
  EXPECT_EQ(streams, (std::vector<uint32_t>{0, 1}));  // a's blocks of each part
  EXPECT_EQ(first_->reads() + second_->reads(), 0);
}

TEST_F(PartSnapshotTest, SeriesComeFromBlockSummariesAlone) {
  SeriesRequest request;
  request.start = 16;
  request.end = 105;
  std::map<std::string, SeriesInfo> found;
  Snapshot().CollectSeries(request, &found);
  ASSERT_EQ(found.size(), 2u);
  // Every overlapping block counts whole.
  const SeriesInfo& a = found[kA.ToString()];
  EXPECT_EQ(a.labels, kA);
  EXPECT_EQ(a.entries, 5u);
  EXPECT_EQ(a.chunks, 2u);
  EXPECT_EQ(a.bytes, std::string("a@10a@20a@30a@101a@120").size());
  const SeriesInfo& b = found[kB.ToString()];
  EXPECT_EQ(b.entries, 5u);
  EXPECT_EQ(b.chunks, 2u);
  EXPECT_EQ(first_->reads() + second_->reads(), 0);
}

TEST_F(PartSnapshotTest, TimestampScanClipsEdgeBlocksTheSameWithOrWithoutAPool) {
  SelectRequest request;
  request.start = 20;
  request.end = 110;
  auto scan = [&](ReadPool* pool) {
    std::vector<std::string> runs;
    Snapshot().ScanTimestamps(request, pool, [&](const TimestampRun& run) {
      std::string s = run.stream->ToString() + ":";
      for (size_t i = 0; i < run.count; ++i) {
        s += " " + std::to_string(run.timestamps[i]);
        if (run.metadata != nullptr && !run.metadata[i].empty()) s += "*";
      }
      runs.push_back(s);
    });
    return runs;
  };
  const std::vector<std::string> expected = {R"({app="a"}: 20 30)", R"({app="b"}: 25*)",
                                             R"({app="b"}: 40 45* 50)", R"({app="a"}: 101*)"};
  EXPECT_EQ(scan(nullptr), expected);
  ReadPool pool(3);
  EXPECT_EQ(scan(&pool), expected);
}

TEST_F(PartSnapshotTest, ACorruptBlockIsReportedAndSkippedByEveryRead) {
  first_->Corrupt(1);
  SelectRequest request;
  request.start = 0;
  request.end = 1000;
  request.direction = Direction::kForward;
  size_t scanned = 0;
  Snapshot().ScanTimestamps(request, nullptr,
                            [&](const TimestampRun& run) { scanned += run.count; });
  EXPECT_EQ(scanned, 8u);  // all but b's first block
  EXPECT_EQ(corrupt_, 1);

  MergeIterator it(request, {}, Snapshot());
  size_t read = 0;
  while (it.Next()) ++read;
  EXPECT_EQ(read, 8u);
  EXPECT_EQ(corrupt_, 2);
}

// The merge reads any ReadablePart: records of the snapshot's wanted
// streams and of the head in time order; of equal timestamps, the older
// part's first and the head's last.
TEST_F(PartSnapshotTest, MergeIteratorReadsPartsThatAreNotFiles) {
  auto third = std::make_shared<MemoryPart>(3, std::vector<Labels>{kB}, std::vector<uint32_t>{1});
  third->AddBlock(0, At("b", {20, 101}));
  parts_.push_back(third);
  std::vector<KeyedRecord> head;
  head.push_back(KeyedRecord{20, ~uint64_t{0}, 0, Record{20, kA, "head@20", {}}});
  SelectRequest request;
  request.start = 0;
  request.end = 1000;
  const std::vector<std::string> forward = {"a@10",  "b@15",  "a@20", "b@20", "head@20",
                                            "b@25",  "a@30",  "b@40", "b@45", "b@50",
                                            "a@101", "b@101", "a@120"};
  ReadPool two_threads(2);
  for (ReadPool* pool : {static_cast<ReadPool*>(nullptr), &two_threads}) {
    for (Direction direction : {Direction::kForward, Direction::kBackward}) {
      request.direction = direction;
      MergeIterator it(request, head, Snapshot(), pool);
      std::vector<std::string> lines;
      while (it.Next()) lines.push_back(it.record().line);
      std::vector<std::string> expected = forward;
      if (direction == Direction::kBackward) std::reverse(expected.begin(), expected.end());
      EXPECT_EQ(lines, expected);
      EXPECT_EQ(it.read_stats().blocks_read, 5u);
    }
  }
  // A block none of whose lines holds the literal's fragment "b" is
  // ruled out: a's blocks. (The digits "4" are too few to be looked for
  // in the integers: kMinDigitFragment.)
  request.direction = Direction::kForward;
  request.line_contains = {"b@4"};
  MergeIterator it(request, {}, Snapshot());
  std::vector<std::string> lines;
  while (it.Next()) lines.push_back(it.record().line);
  EXPECT_EQ(lines, (std::vector<std::string>{"b@40", "b@45"}));
  EXPECT_EQ(it.read_stats().blocks_ruled_out, 2u);
}

TEST_F(PartSnapshotTest, PrefetcherDecodesEachBlockOnceAndCanBeDroppedEarly) {
  std::vector<BlockRef> order;
  Snapshot().ForEachBlock(0, 1000, [&](const BlockRef& b) { order.push_back(b); });
  std::reverse(order.begin(), order.end());
  auto decode = [](const BlockRef& block, std::string& scratch, BlockPrefetcher::Decoded& out) {
    out.status = block.part->ReadBlock(block.index, {}, true, {}, scratch, out.block);
  };
  ReadPool pool(2);
  {
    BlockPrefetcher prefetcher(order, &pool, decode);
    for (size_t i = 0; i < prefetcher.size(); ++i) {
      const BlockPrefetcher::Decoded& d = prefetcher.Open(i);
      ASSERT_TRUE(d.status.ok());
      EXPECT_EQ(d.block.size(), order[i].meta().records);
      EXPECT_EQ(d.block.timestamps.front(), order[i].meta().min_time);
      prefetcher.Release(i);
    }
  }
  EXPECT_EQ(first_->reads() + second_->reads(), 4);
  // Dropped after one block: the rest are cancelled or waited for.
  { BlockPrefetcher(order, &pool, decode).Open(0); }
  EXPECT_LE(first_->reads() + second_->reads(), 8);
}

}  // namespace
}  // namespace lode
