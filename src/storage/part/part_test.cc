#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "storage/part/part_reader.h"
#include "storage/part/part_writer.h"

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
    for (const Entry& e : api_) a.entries.push_back(&e);
    for (const Entry& e : web_) w.entries.push_back(&e);
    return {a, w};
  }

  std::string dir_, path_;
  std::vector<Entry> api_, web_;
};

TEST_F(PartTest, RoundTripsEveryRecordAcrossBlocks) {
  MakeData(5000);
  PartWriterOptions options;
  options.block_max_records = 1024;
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

TEST_F(PartTest, LeftoverTempFileIsReplacedAndNoTempRemains) {
  MakeData(10);
  std::ofstream(path_ + ".tmp") << "garbage from a crash";
  ASSERT_TRUE(WritePart(Env::Default(), path_, Streams(), 0, {}).ok());
  EXPECT_FALSE(std::filesystem::exists(path_ + ".tmp"));
  EXPECT_TRUE(PartReader::Open(Env::Default(), path_).ok());
}

}  // namespace
}  // namespace lode::part
