#include "storage/part_merge.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "storage/part/block_codec.h"
#include "storage/part/block_summary.h"
#include "storage/part/line_templates.h"

namespace lode {
namespace {

struct Rec {
  TimestampNs timestamp;
  std::string line;
  bool operator==(const Rec&) const = default;
};
void PrintTo(const Rec& r, std::ostream* os) { *os << r.timestamp << " " << r.line; }

class PartMergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lode-merge-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    // Blocks close at 4 KiB of lines: full blocks come from a few
    // hundred lines.
    options_.block_raw_bytes = 4096;
    options_.stream_block_raw_bytes = 4096;
    // Such small blocks have token filters too, as full blocks do.
    options_.min_token_filter_raw_bytes = 0;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `streams` (labels -> records in time order) as part `seq`.
  std::shared_ptr<const LocalPart> Write(uint64_t seq,
                                         const std::map<std::string, std::vector<Rec>>& streams) {
    const std::string path = dir_ + "/" + std::to_string(seq) + ".part";
    auto writer = part::PartWriter::Create(Env::Default(), path, options_);
    EXPECT_TRUE(writer.ok());
    for (const auto& [labels, records] : streams) {
      EXPECT_TRUE((*writer)->BeginStream(*Labels::Parse(labels)).ok());
      for (const Rec& r : records) EXPECT_TRUE((*writer)->Add(r.timestamp, r.line, {}).ok());
    }
    EXPECT_TRUE((*writer)->Finish(seq, {}).ok());
    return Open(seq, path);
  }
  std::shared_ptr<const LocalPart> Open(uint64_t seq, const std::string& path) {
    auto reader = part::PartReader::Open(Env::Default(), path);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    std::vector<uint32_t> ids((*reader)->streams().size());
    return std::make_shared<const LocalPart>(seq, std::move(*reader), std::move(ids));
  }

  // Every stream's records, in stored order (without the blocks that do
  // not read, when `damaged` is allowed).
  static std::map<std::string, std::vector<Rec>> Read(const LocalPart& part, bool damaged = false) {
    std::map<std::string, std::vector<Rec>> out;
    const part::PartReader& reader = part.reader();
    for (size_t b = 0; b < reader.blocks().size(); ++b) {
      auto block = reader.ReadBlock(b);
      EXPECT_TRUE(block.ok() || damaged) << block.status().ToString();
      if (!block.ok()) continue;
      auto& records = out[reader.streams()[reader.blocks()[b].stream].ToString()];
      for (size_t i = 0; i < block->size(); ++i) {
        records.push_back(Rec{block->timestamps[i], std::string(block->line(i))});
      }
    }
    return out;
  }

  // Whether stored block `b` names its dictionary templates out of id
  // order: a block copied from another part keeps that part's order.
  static bool NamesTemplatesOutOfOrder(const part::PartReader& reader, size_t b) {
    std::string bytes;
    EXPECT_TRUE(reader.ReadBlockBytes(b, bytes).ok());
    std::vector<uint32_t> ids;
    EXPECT_TRUE(part::BlockDictionaryIds(bytes, reader.Dictionary()->size(), ids).ok());
    return !std::is_sorted(ids.begin(), ids.end());
  }

  // The templates (as text) a stored block names, in its order.
  static std::vector<std::string> NamedTemplates(const part::PartReader& reader, size_t b) {
    std::string bytes;
    EXPECT_TRUE(reader.ReadBlockBytes(b, bytes).ok());
    auto dictionary = reader.Dictionary();
    std::vector<uint32_t> ids;
    EXPECT_NE(dictionary, nullptr);
    EXPECT_TRUE(part::BlockDictionaryIds(bytes, dictionary->size(), ids).ok());
    std::vector<std::string> texts;
    for (uint32_t id : ids) texts.emplace_back(dictionary->parsed().templates[id].text);
    return texts;
  }

  std::string dir_;
  part::PartWriterOptions options_;
};

// Lines of a few shapes: `first` decides which shape a part meets first,
// so that two parts number their templates in different orders.
std::vector<Rec> Lines(TimestampNs from, TimestampNs step, int n, bool first) {
  std::vector<Rec> out;
  for (int i = 0; i < n; ++i) {
    std::string line = (i % 3 == 0) == first
                           ? "GET /api/v" + std::to_string(i % 4) + "/users/" + std::to_string(i) +
                                 " 200 " + std::to_string(i * 37 % 1000) + "ms"
                           : "worker " + std::to_string(i % 8) + " finished job " +
                                 std::to_string(i * 7919) + " in " + std::to_string(i % 97) + "s";
    out.push_back(Rec{from + step * i, std::move(line)});
  }
  return out;
}

// Two parts whose blocks of one stream do not overlap in time: the merge
// copies their full blocks (their columns as stored, their templates
// renamed in the merged part's dictionary, in an order the merged
// dictionary does not keep for the second part) and merges the rest by
// record. Every record comes back in order, and each copied block names
// the same templates it did in its own part.
TEST_F(PartMergeTest, FullBlocksAloneInTheirTimeRangeAreCopied) {
  const std::string s = "{app=\"a\"}";
  auto a = Write(1, {{s, Lines(1'000, 10, 900, true)}});
  auto b = Write(2, {{s, Lines(100'000, 10, 900, false)}});
  const std::string path = dir_ + "/3.part";
  ASSERT_TRUE(MergeParts(Env::Default(), {a, b}, path, options_, nullptr).ok());
  auto merged = Open(3, path);
  std::map<std::string, std::vector<Rec>> expected;
  for (const auto& in : {a, b}) {
    for (auto& [labels, records] : Read(*in)) {
      expected[labels].insert(expected[labels].end(), records.begin(), records.end());
    }
  }
  EXPECT_EQ(Read(*merged), expected);
  EXPECT_EQ(merged->meta().records, 1800u);

  // Each input's full blocks are in the merged part as they were: same
  // records, time range and line bytes, and the same templates by text.
  size_t copied = 0;
  bool reordered = false;
  for (const auto& in : {a, b}) {
    const part::PartReader& from = in->reader();
    for (size_t i = 0; i < from.blocks().size(); ++i) {
      const part::BlockMeta& m = from.blocks()[i];
      if (m.raw_size < options_.block_raw_bytes) continue;
      for (size_t j = 0; j < merged->reader().blocks().size(); ++j) {
        const part::BlockMeta& n = merged->reader().blocks()[j];
        if (std::tie(n.min_time, n.max_time, n.records, n.raw_size) !=
            std::tie(m.min_time, m.max_time, m.records, m.raw_size)) {
          continue;
        }
        ++copied;
        EXPECT_EQ(NamedTemplates(merged->reader(), j), NamedTemplates(from, i));
        reordered = NamesTemplatesOutOfOrder(merged->reader(), j) || reordered;
        // Its summary counts the same lines per template.
        part::BlockSummary before, after;
        ASSERT_TRUE(part::ParseBlockSummary(from.BlockSummaryBytes(i), m.records,
                                            from.Dictionary()->size(), before));
        ASSERT_TRUE(part::ParseBlockSummary(merged->reader().BlockSummaryBytes(j), n.records,
                                            merged->reader().Dictionary()->size(), after));
        ASSERT_TRUE(after.has_templates);
        std::map<std::string, uint64_t> lines_before, lines_after;
        for (auto [id, lines] : before.template_lines) {
          lines_before[std::string(from.Dictionary()->parsed().templates[id].text)] = lines;
        }
        for (auto [id, lines] : after.template_lines) {
          lines_after[std::string(merged->reader().Dictionary()->parsed().templates[id].text)] =
              lines;
        }
        EXPECT_EQ(lines_after, lines_before);
        EXPECT_EQ(merged->reader().BlockFilter(j), from.BlockFilter(i));
      }
    }
  }
  EXPECT_GE(copied, 4u);
  EXPECT_TRUE(reordered) << "the second part's templates kept their order: the test lost its point";
}

// Blocks too small to get a token filter are still copied when they are
// full (here: token filters only from 1 MiB, blocks of 4 KiB): the
// merged part holds them as stored (their templates in the order their
// own part's dictionary gave them, not re-encoded in the merged one's),
// still without a filter.
TEST_F(PartMergeTest, FullBlocksWithoutATokenFilterAreCopiedToo) {
  options_.min_token_filter_raw_bytes = 1u << 20;
  const std::string s = "{app=\"a\"}";
  auto a = Write(1, {{s, Lines(1'000, 10, 900, true)}});
  auto b = Write(2, {{s, Lines(100'000, 10, 900, false)}});
  const std::string path = dir_ + "/3.part";
  ASSERT_TRUE(MergeParts(Env::Default(), {a, b}, path, options_, nullptr).ok());
  auto merged = Open(3, path);
  size_t full = 0;
  bool reordered = false;
  for (size_t j = 0; j < merged->reader().blocks().size(); ++j) {
    EXPECT_TRUE(merged->reader().BlockFilter(j).empty());
    if (merged->reader().blocks()[j].raw_size < options_.block_raw_bytes) continue;
    ++full;
    reordered = NamesTemplatesOutOfOrder(merged->reader(), j) || reordered;
  }
  EXPECT_GE(full, 4u);
  EXPECT_TRUE(reordered) << "no block of the second part was copied as stored";
  EXPECT_EQ(merged->meta().records, 1800u);
}

// Blocks whose time ranges interleave are merged record by record, with
// ties in input order, as before copying existed; so is a block that
// only touches another's last timestamp.
TEST_F(PartMergeTest, OverlappingBlocksAreMergedByRecord) {
  const std::string s = "{app=\"a\"}";
  auto a = Write(1, {{s, Lines(1'000, 20, 900, true)}});
  auto b = Write(2, {{s, Lines(1'010, 20, 900, false)}});         // between a's records
  std::vector<Rec> tail = Lines(1'000 + 20 * 899, 1, 300, true);  // starts at a's last
  auto c = Write(3, {{s, tail}});
  const std::string path = dir_ + "/4.part";
  ASSERT_TRUE(MergeParts(Env::Default(), {a, b, c}, path, options_, nullptr).ok());
  auto merged = Open(4, path);
  std::vector<Rec> expected;
  for (const auto& in : {a, b, c}) {
    std::vector<Rec> records = Read(*in)[s];
    expected.insert(expected.end(), records.begin(), records.end());
  }
  std::stable_sort(expected.begin(), expected.end(),
                   [](const Rec& x, const Rec& y) { return x.timestamp < y.timestamp; });
  EXPECT_EQ(Read(*merged)[s], expected);
}

// A block that fails its checksum is not copied: the merge reads it, as
// before, and leaves it out with the error logged; the other blocks are
// all there.
TEST_F(PartMergeTest, ADamagedBlockIsNotCopied) {
  const std::string s = "{app=\"a\"}";
  auto a = Write(1, {{s, Lines(1'000, 10, 900, true)}});
  auto b = Write(2, {{s, Lines(100'000, 10, 900, false)}});
  // Damage b's first block in place and open it again.
  const part::BlockMeta first = b->reader().blocks()[0];
  ASSERT_GE(first.raw_size, options_.block_raw_bytes);
  const std::string b_path = b->path();
  b.reset();
  {
    std::fstream f(b_path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(first.offset + first.size / 2));
    f.put('\x5a');
  }
  b = Open(2, b_path);
  const std::string path = dir_ + "/3.part";
  ASSERT_TRUE(MergeParts(Env::Default(), {a, b}, path, options_, nullptr).ok());
  auto merged = Open(3, path);
  std::vector<Rec> expected = Read(*a)[s];
  std::vector<Rec> rest = Read(*b, /*damaged=*/true)[s];  // without the damaged block
  expected.insert(expected.end(), rest.begin(), rest.end());
  EXPECT_EQ(merged->meta().records, 1800u - first.records);
  EXPECT_EQ(Read(*merged)[s], expected);
}

// A stream small enough for the merged part to hold as one block (up to
// stream_block_raw_bytes) is encoded as one block, not copied as the
// blocks its inputs cut it into: what repeats across it then costs once.
TEST_F(PartMergeTest, AStreamTheMergeHoldsWholeIsNotCopied) {
  const std::string s = "{app=\"a\"}";
  auto a = Write(1, {{s, Lines(1'000, 10, 900, true)}});
  auto b = Write(2, {{s, Lines(100'000, 10, 900, false)}});
  ASSERT_GT(a->reader().blocks().size(), 2u);
  part::PartWriterOptions whole = options_;
  whole.stream_block_raw_bytes = 1u << 20;
  const std::string path = dir_ + "/3.part";
  ASSERT_TRUE(MergeParts(Env::Default(), {a, b}, path, whole, nullptr).ok());
  auto merged = Open(3, path);
  ASSERT_EQ(merged->reader().blocks().size(), 1u);
  EXPECT_EQ(merged->reader().blocks()[0].records, 1800u);
}

// Cold compaction (larger blocks, strong level) encodes every block.
TEST_F(PartMergeTest, ColdCompactionCopiesNothing) {
  const std::string s = "{app=\"a\"}";
  auto a = Write(1, {{s, Lines(1'000, 10, 900, true)}});
  auto b = Write(2, {{s, Lines(100'000, 10, 900, false)}});
  const std::string path = dir_ + "/3.part";
  part::PartWriterOptions cold = part::ColdWriterOptions(options_, 19);
  cold.block_raw_bytes = options_.block_raw_bytes;  // copy would apply by size alone
  ASSERT_TRUE(MergeParts(Env::Default(), {a, b}, path, cold, nullptr).ok());
  auto merged = Open(3, path);
  // One dictionary order for the whole part: every block's ids ascend.
  for (size_t j = 0; j < merged->reader().blocks().size(); ++j) {
    std::string bytes;
    ASSERT_TRUE(merged->reader().ReadBlockBytes(j, bytes).ok());
    std::vector<uint32_t> ids;
    if (!part::BlockDictionaryIds(bytes, merged->reader().Dictionary()->size(), ids).ok()) continue;
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  }
  EXPECT_EQ(Read(*merged)[s].size(), 1800u);
}

}  // namespace
}  // namespace lode
