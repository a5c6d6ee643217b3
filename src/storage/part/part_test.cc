#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "base/coding.h"
#include "base/crc32c.h"
#include "storage/part/part_format.h"
#include "storage/part/part_reader.h"
#include "storage/part/part_writer.h"
#include "storage/part/token_filter.h"

namespace lode::part {
namespace {

class PartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lode-part-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/1.part";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Two streams; "api" has enough records for several blocks.
  void MakeData(size_t api_records) {
    api_.clear();
    web_.clear();
    for (size_t i = 0; i < api_records; ++i) {
      Entry e{1000 + static_cast<int64_t>(i) * 3,
              "GET /users/" + std::to_string(i * 7919) + " 200",
              {}};
      if (i % 10 == 0) e.metadata = Labels({{"trace_id", "t" + std::to_string(i)}});
      api_.push_back(std::move(e));
    }
    web_.push_back(Entry{-50, std::string("binary\0\xff line", 13), {}});
    web_.push_back(Entry{-50, "same time, later", {}});
    web_.push_back(Entry{7, "", {}});
  }

  std::vector<StreamRecords> Streams() {
    StreamRecords a{Labels({{"app", "api"}}), {}}, w{Labels({{"app", "web"}}), {}};
    for (const Entry& e : api_) a.entries.push_back(RecordRef::Of(e));
    for (const Entry& e : web_) w.entries.push_back(RecordRef::Of(e));
    return {a, w};
  }

  std::string ReadFile() const {
    std::ifstream in(path_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void WriteFile(const std::string& bytes) const {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << bytes;
  }

  std::string dir_, path_;
  std::vector<Entry> api_, web_;
};

TEST_F(PartTest, RoundTripsEveryRecordAcrossBlocks) {
  MakeData(5000);
  PartWriterOptions options;
  options.block_max_records = 1024;
  options.stream_block_raw_bytes = 0;  // blocks of 1024 records
  Status written = WritePart(Env::Default(), path_, Streams(), 42, options);
  ASSERT_TRUE(written.ok()) << written.ToString();
  auto reader = PartReader::Open(Env::Default(), path_);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const PartReader& r = **reader;
  ASSERT_EQ(r.streams().size(), 2u);
  EXPECT_EQ(r.streams()[0].ToString(), "{app=\"api\"}");
  EXPECT_EQ(r.meta().wal_checkpoint, 42u);
  EXPECT_EQ(r.meta().records, 5003u);
  EXPECT_EQ(r.meta().min_time, -50);
  EXPECT_EQ(r.meta().max_time, 1000 + 4999 * 3);
  ASSERT_EQ(r.blocks().size(), 5u + 1u);  // ceil(5000/1024) + web

  std::vector<const Entry*> expected;
  for (const Entry& e : api_) expected.push_back(&e);
  for (const Entry& e : web_) expected.push_back(&e);
  size_t k = 0;
  for (size_t b = 0; b < r.blocks().size(); ++b) {
    auto block = r.ReadBlock(b);
    ASSERT_TRUE(block.ok()) << block.status().ToString();
    EXPECT_EQ(block->timestamps.front(), r.blocks()[b].min_time);
    EXPECT_EQ(block->timestamps.back(), r.blocks()[b].max_time);
    for (size_t i = 0; i < block->size(); ++i, ++k) {
      ASSERT_LT(k, expected.size());
      EXPECT_EQ(block->timestamps[i], expected[k]->timestamp);
      EXPECT_EQ(block->line(i), expected[k]->line);
      Labels metadata = block->metadata.empty() ? Labels() : block->metadata[i];
      EXPECT_EQ(metadata, expected[k]->metadata);
    }
  }
  EXPECT_EQ(k, expected.size());
}

// Writes Streams() with PartWriter::Add, each line from a buffer that is
// overwritten right after: the writer must keep its own copy. Each stream
// is begun with its size, as a merge does.
Status WriteByCopy(const std::string& path, const std::vector<StreamRecords>& streams,
                   const PartWriterOptions& options) {
  LODE_ASSIGN_OR_RETURN(auto writer, PartWriter::Create(Env::Default(), path, options));
  std::string line;
  for (const StreamRecords& stream : streams) {
    uint64_t bytes = 0;
    for (const RecordRef& r : stream.entries) bytes += r.line.size();
    LODE_RETURN_IF_ERROR(writer->BeginStream(stream.labels, bytes));
    for (const RecordRef& r : stream.entries) {
      line.assign(r.line);
      Labels metadata = r.metadata != nullptr ? *r.metadata : Labels();
      LODE_RETURN_IF_ERROR(writer->Add(r.timestamp, line, metadata));
      line.assign(line.size(), '#');
      metadata = Labels({{"scribbled", "x"}});
    }
  }
  return writer->Finish(0, {});
}

// The benchmark-only options (BM_FlushPart prices templates and filters
// by leaving them out) still write parts that read back whole, and a part
// written without filters rules no block out for any literal.
TEST_F(PartTest, PartsWithoutTemplatesOrFiltersReadBackWholeAndRuleNothingOut) {
  MakeData(3000);
  for (bool templates : {true, false}) {
    for (bool filters : {true, false}) {
      SCOPED_TRACE(std::string("templates ") + (templates ? "on" : "off") + ", filters " +
                   (filters ? "on" : "off"));
      std::filesystem::remove(path_);
      PartWriterOptions options;
      options.block_max_records = 512;
      options.stream_block_raw_bytes = 0;
      options.min_token_filter_raw_bytes = 0;
      options.line_templates = templates;
      options.token_filters = filters;
      ASSERT_TRUE(WritePart(Env::Default(), path_, Streams(), 0, options).ok());
      auto reader = PartReader::Open(Env::Default(), path_);
      ASSERT_TRUE(reader.ok()) << reader.status().ToString();
      const PartReader& r = **reader;
      ASSERT_GT(r.blocks().size(), 5u);
      std::vector<std::string> api_lines;
      size_t ruled_out = 0;  // blocks of "api" a literal of another block rules out
      const std::vector<KeyGroup> absent = RequiredKeys("/users/7919 200");  // line 1
      for (size_t b = 0; b < r.blocks().size(); ++b) {
        auto block = r.ReadBlock(b);
        ASSERT_TRUE(block.ok()) << block.status().ToString();
        const bool api = r.blocks()[b].stream == 0;
        bool holds = false;
        for (size_t i = 0; i < block->size(); ++i) {
          if (api) api_lines.emplace_back(block->line(i));
          holds |= block->line(i).find("/users/7919 200") != std::string_view::npos;
        }
        const std::string_view filter = r.BlockFilter(b);
        bool may = true;
        for (const KeyGroup& g : absent) may &= BloomMayContainAny(filter, g);
        if (holds) {
          EXPECT_TRUE(may) << "block " << b;
        }
        if (api && !may) ++ruled_out;
        // Templates off: every block holds its lines as they are.
        std::string bytes;
        ASSERT_TRUE(r.ReadBlockBytes(b, bytes).ok());
        const auto codec = static_cast<BlockCodec>(bytes.at(0));
        if (!templates) {
          EXPECT_TRUE(codec == BlockCodec::kZstd || codec == BlockCodec::kNone) << int(codec);
        } else if (api) {
          EXPECT_TRUE(NamesDictionaryTemplates(codec)) << int(codec);
        }
      }
      ASSERT_EQ(api_lines.size(), api_.size());
      for (size_t i = 0; i < api_.size(); ++i) ASSERT_EQ(api_lines[i], api_[i].line.view());
      if (filters) {
        EXPECT_GT(ruled_out, 3u);  // the filters do their work
      } else {
        EXPECT_EQ(ruled_out, 0u);
        for (size_t b = 0; b < r.blocks().size(); ++b) EXPECT_TRUE(r.BlockFilter(b).empty());
      }
    }
  }
}

// A stream within stream_block_raw_bytes is one block; a larger one is
// cut every block_raw_bytes, from its first record on. Lines held by
// reference (a head's) and by copy (a merge's) alike.
TEST_F(PartTest, SmallStreamsAreOneBlockAndLargeOnesAreCut) {
  MakeData(5000);  // "api": about 100 KB of lines, every tenth with metadata
  size_t api_bytes = 0;
  for (const Entry& e : api_) api_bytes += e.line.size();
  for (auto [stream_bytes, by_copy] : {std::pair{api_bytes + 1, false},
                                       {api_bytes / 2, false},
                                       {api_bytes + 1, true},
                                       {api_bytes / 2, true}}) {
    SCOPED_TRACE(std::to_string(stream_bytes) + (by_copy ? " by copy" : " by reference"));
    PartWriterOptions options;
    options.block_raw_bytes = 16384;
    options.stream_block_raw_bytes = stream_bytes;
    ASSERT_TRUE((by_copy ? WriteByCopy(path_, Streams(), options)
                         : WritePart(Env::Default(), path_, Streams(), 0, options))
                    .ok());
    auto reader = PartReader::Open(Env::Default(), path_);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    const PartReader& r = **reader;
    std::vector<size_t> api_blocks;
    size_t web_blocks = 0;
    std::vector<const Entry*> expected;
    for (const Entry& e : api_) expected.push_back(&e);
    for (const Entry& e : web_) expected.push_back(&e);
    size_t k = 0;
    for (size_t b = 0; b < r.blocks().size(); ++b) {
      auto block = r.ReadBlock(b);
      ASSERT_TRUE(block.ok()) << block.status().ToString();
      size_t bytes = 0;
      for (size_t i = 0; i < block->size(); ++i, ++k) {
        ASSERT_LT(k, expected.size());
        EXPECT_EQ(block->timestamps[i], expected[k]->timestamp);
        EXPECT_EQ(block->line(i), expected[k]->line);
        Labels metadata = block->metadata.empty() ? Labels() : block->metadata[i];
        EXPECT_EQ(metadata, expected[k]->metadata);
        bytes += block->line(i).size();
      }
      if (r.blocks()[b].stream == 0) {
        api_blocks.push_back(bytes);
      } else {
        ++web_blocks;
      }
    }
    EXPECT_EQ(k, expected.size());
    EXPECT_EQ(web_blocks, 1u);
    if (stream_bytes > api_bytes) {
      EXPECT_EQ(api_blocks.size(), 1u);
    } else {
      // Cut like a writer without whole streams: every block but the last
      // just past block_raw_bytes.
      EXPECT_EQ(api_blocks.size(), (api_bytes + 16383) / 16384);
      for (size_t i = 0; i + 1 < api_blocks.size(); ++i) {
        EXPECT_GE(api_blocks[i], 16384u);
        EXPECT_LT(api_blocks[i], 16384u + 64);
      }
    }
  }
}

// A block whose string variables hold most of its text (quoted strings
// of random words) would need a string filter as large as a good part of
// the block: it gets none ("unknown", ruling nothing out); a block with a
// few short string variables keeps its filter.
TEST_F(PartTest, StringFiltersOfTextHeavyBlocksAreLeftOut) {
  std::mt19937_64 rng(9);
  std::vector<Entry> heavy, light;
  for (int i = 0; i < 3000; ++i) {
    std::string words;
    for (int k = 0; k < 6; ++k) {
      for (int c = 0; c < 7; ++c) words.push_back(static_cast<char>('a' + rng() % 26));
      words.push_back(' ');
    }
    heavy.push_back(Entry{i, "GET \"" + words + "\" 200", {}});
    char id[16];
    snprintf(id, sizeof id, "usr%dxyz", static_cast<int>(rng() % 50));
    light.push_back(Entry{i, std::string("user ") + id + " logged in", {}});
  }
  StreamRecords h{Labels({{"app", "heavy"}}), {}}, l{Labels({{"app", "light"}}), {}};
  for (const Entry& e : heavy) h.entries.push_back(RecordRef::Of(e));
  for (const Entry& e : light) l.entries.push_back(RecordRef::Of(e));
  ASSERT_TRUE(WritePart(Env::Default(), path_, {h, l}, 0, {}).ok());
  auto reader = PartReader::Open(Env::Default(), path_);
  ASSERT_TRUE(reader.ok());
  const PartReader& r = **reader;
  ASSERT_EQ(r.blocks().size(), 2u);
  ASSERT_EQ(r.blocks()[0].stream, 0u);
  EXPECT_EQ(r.BlockStringFilter(0), kUnknownStringFilter);
  EXPECT_NE(r.BlockStringFilter(1), kUnknownStringFilter);
  EXPECT_FALSE(r.BlockStringFilter(1).empty());
  // Both still read back whole.
  auto block = r.ReadBlock(0);
  ASSERT_TRUE(block.ok());
  for (size_t i = 0; i < heavy.size(); ++i) EXPECT_EQ(block->line(i), heavy[i].line);
}

TEST_F(PartTest, CompressesRepetitiveLines) {
  MakeData(20000);
  ASSERT_TRUE(WritePart(Env::Default(), path_, Streams(), 0, {}).ok());
  size_t raw = 0;
  for (const Entry& e : api_) raw += e.line.size() + 8;
  EXPECT_LT(std::filesystem::file_size(path_), raw / 4);
}

TEST_F(PartTest, FlippedByteInABlockIsCorruptionNamingFileAndOffset) {
  MakeData(100);
  ASSERT_TRUE(WritePart(Env::Default(), path_, Streams(), 0, {}).ok());
  uint64_t offset;
  {
    auto reader = PartReader::Open(Env::Default(), path_);
    ASSERT_TRUE(reader.ok());
    offset = (*reader)->blocks()[0].offset;
  }
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offset + 5));
    f.put('\x5a');
  }
  auto reader = PartReader::Open(Env::Default(), path_);
  ASSERT_TRUE(reader.ok());  // the index is intact
  auto block = (*reader)->ReadBlock(0);
  ASSERT_FALSE(block.ok());
  EXPECT_EQ(block.status().code(), StatusCode::kCorruption);
  EXPECT_NE(block.status().message().find(path_), std::string::npos);
  EXPECT_NE(block.status().message().find("offset " + std::to_string(offset)), std::string::npos);
  EXPECT_TRUE((*reader)->ReadBlock(1).ok());  // other blocks still read
}

TEST_F(PartTest, DamagedIndexOrTruncatedFileFailsToOpen) {
  MakeData(100);
  ASSERT_TRUE(WritePart(Env::Default(), path_, Streams(), 0, {}).ok());
  uint64_t size = std::filesystem::file_size(path_);
  std::string good;
  {
    std::ifstream in(path_, std::ios::binary);
    good.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Every single-byte change in the index sections or footer is detected.
  for (uint64_t pos = size - 60; pos < size; ++pos) {
    std::string bad = good;
    bad[pos] ^= 0x01;
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << bad;
    auto reader = PartReader::Open(Env::Default(), path_);
    EXPECT_FALSE(reader.ok()) << "byte " << pos;
  }
  for (uint64_t cut : {uint64_t{0}, uint64_t{10}, size / 2, size - 1}) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << good.substr(0, cut);
    auto reader = PartReader::Open(Env::Default(), path_);
    ASSERT_FALSE(reader.ok()) << "cut " << cut;
    EXPECT_EQ(reader.status().code(), StatusCode::kCorruption);
  }
}

TEST_F(PartTest, TemplateBlocksShareOneDictionaryPerPart) {
  MakeData(5000);
  PartWriterOptions options;
  options.block_max_records = 1024;
  options.stream_block_raw_bytes = 0;  // blocks of 1024 records
  ASSERT_TRUE(WritePart(Env::Default(), path_, Streams(), 0, options).ok());
  std::string file = ReadFile();
  auto reader = PartReader::Open(Env::Default(), path_);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const PartReader& r = **reader;
  EXPECT_GT(r.templates_size(), 0u);
  auto dictionary = r.Dictionary();
  ASSERT_NE(dictionary, nullptr);
  // Every api line has the shape "GET /users/N 200": one template for
  // the five blocks, stored once.
  EXPECT_EQ(dictionary->size(), 1u);
  size_t template_blocks = 0;
  for (size_t b = 0; b < r.blocks().size(); ++b) {
    char codec = file[r.blocks()[b].offset];
    template_blocks += codec == static_cast<char>(BlockCodec::kDictionaryTemplates3);
    auto block = r.ReadBlock(b);
    ASSERT_TRUE(block.ok()) << block.status().ToString();
  }
  EXPECT_EQ(template_blocks, 5u);
}

TEST_F(PartTest, DamagedDictionaryFailsOnlyTheBlocksThatUseIt) {
  MakeData(2000);
  PartWriterOptions options;
  options.block_max_records = 1024;
  options.stream_block_raw_bytes = 0;  // blocks of 1024 records
  ASSERT_TRUE(WritePart(Env::Default(), path_, Streams(), 0, options).ok());
  uint64_t templates_at;
  {
    auto reader = PartReader::Open(Env::Default(), path_);
    ASSERT_TRUE(reader.ok());
    ASSERT_GT((*reader)->templates_size(), 2u);
    templates_at = (*reader)->templates_offset();
  }
  std::string file = ReadFile();
  file[templates_at + 2] ^= 0x10;
  WriteFile(file);
  auto reader = PartReader::Open(Env::Default(), path_);
  ASSERT_TRUE(reader.ok());  // the index is intact
  const PartReader& r = **reader;
  EXPECT_EQ(r.Dictionary(), nullptr);
  ASSERT_EQ(r.blocks().size(), 3u);  // two api template blocks, one plain web block
  for (size_t b = 0; b < 2; ++b) {
    auto block = r.ReadBlock(b);
    ASSERT_FALSE(block.ok());
    EXPECT_EQ(block.status().code(), StatusCode::kCorruption);
    EXPECT_NE(block.status().message().find(path_), std::string::npos);
    EXPECT_NE(block.status().message().find("offset " + std::to_string(r.blocks()[b].offset)),
              std::string::npos);
  }
  // A read without lines needs only the block's head, not the dictionary.
  std::string bytes;
  ASSERT_TRUE(r.ReadBlockBytes(0, bytes).ok());
  DecodedBlock heads;
  Status timestamps_only = r.DecodeBlockBytes(0, bytes, heads, {}, /*with_lines=*/false);
  ASSERT_TRUE(timestamps_only.ok()) << timestamps_only.ToString();
  EXPECT_EQ(heads.size(), r.blocks()[0].records);
  EXPECT_EQ(heads.timestamps.front(), r.blocks()[0].min_time);
  auto web = r.ReadBlock(2);
  ASSERT_TRUE(web.ok()) << web.status().ToString();
  EXPECT_EQ(web->line(2), "");
  EXPECT_EQ(web->line(1), "same time, later");
}

// Parts written before the template dictionary existed (version 1: a
// 52-byte footer without it) are still read.
TEST_F(PartTest, ReadsVersionOneParts) {
  MakeData(10);  // too few records for templates: every block is plain
  PartWriterOptions filtered;
  filtered.min_token_filter_raw_bytes = 0;  // small blocks have filters too
  ASSERT_TRUE(WritePart(Env::Default(), path_, Streams(), 7, filtered).ok());
  std::string file = ReadFile();
  ASSERT_EQ(file.substr(file.size() - 8), "LODEPRT2");
  const char* footer = file.data() + file.size() - kFooterSize;
  ASSERT_EQ(DecodeFixed64(footer), DecodeFixed64(footer + 8));  // no dictionary
  std::string v1 = file.substr(0, file.size() - kFooterSize);
  v1[8] = 1;  // the header's version, little-endian
  ASSERT_EQ(DecodeFixed32(v1.data() + 8), 1u);
  size_t at = v1.size();
  v1.append(footer + 8, 32);  // filters, streams, index and meta offsets
  v1.append(footer + 40, 8);  // the index and filters checksums
  PutFixed32(v1, crc32c::Extend(0, v1.data() + at, 40));
  v1.append("LODEPRT1");
  WriteFile(v1);
  auto reader = PartReader::Open(Env::Default(), path_);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->meta().wal_checkpoint, 7u);
  EXPECT_EQ((*reader)->templates_size(), 0u);
  ASSERT_EQ((*reader)->blocks().size(), 2u);
  auto block = (*reader)->ReadBlock(0);
  ASSERT_TRUE(block.ok()) << block.status().ToString();
  EXPECT_EQ(block->line(3), api_[3].line);
  EXPECT_FALSE((*reader)->BlockFilter(0).empty());
}

TEST_F(PartTest, LeftoverTempFileIsReplacedAndNoTempRemains) {
  MakeData(10);
  std::ofstream(path_ + ".tmp") << "garbage from a crash";
  ASSERT_TRUE(WritePart(Env::Default(), path_, Streams(), 0, {}).ok());
  EXPECT_FALSE(std::filesystem::exists(path_ + ".tmp"));
  EXPECT_TRUE(PartReader::Open(Env::Default(), path_).ok());
}

// Filters spilled to a side file while the part is written come back
// byte for byte: the same part as one written with its filters in memory,
// and no side file is left, also when the writer gives up.
TEST_F(PartTest, SpilledTokenFiltersMakeTheSamePartAndLeaveNothingBehind) {
  MakeData(5000);
  PartWriterOptions in_memory;
  in_memory.block_max_records = 256;
  in_memory.stream_block_raw_bytes = 0;
  in_memory.min_token_filter_raw_bytes = 0;  // every block has a filter to spill
  ASSERT_TRUE(WritePart(Env::Default(), path_, Streams(), 3, in_memory).ok());
  const std::string whole = ReadFile();
  std::filesystem::remove(path_);

  PartWriterOptions spilling = in_memory;
  spilling.filter_spill_bytes = 1000;  // spills after nearly every block
  std::ofstream(path_ + ".filters.tmp") << "garbage from a crash";
  ASSERT_TRUE(WritePart(Env::Default(), path_, Streams(), 3, spilling).ok());
  EXPECT_EQ(ReadFile(), whole);
  EXPECT_FALSE(std::filesystem::exists(path_ + ".filters.tmp"));
  auto reader = PartReader::Open(Env::Default(), path_);
  ASSERT_TRUE(reader.ok());
  ASSERT_GT((*reader)->blocks().size(), 10u);
  EXPECT_FALSE((*reader)->BlockFilter((*reader)->blocks().size() - 1).empty());

  std::filesystem::remove(path_);
  {
    auto writer = PartWriter::Create(Env::Default(), path_, spilling);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->BeginStream(Labels({{"app", "api"}})).ok());
    for (const Entry& e : api_) ASSERT_TRUE((*writer)->Add(e.timestamp, e.line, e.metadata).ok());
    EXPECT_TRUE(std::filesystem::exists(path_ + ".filters.tmp"));
  }  // abandoned
  EXPECT_FALSE(std::filesystem::exists(path_ + ".filters.tmp"));
  EXPECT_FALSE(std::filesystem::exists(path_ + ".tmp"));
}

}  // namespace
}  // namespace lode::part
