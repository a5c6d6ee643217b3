// Counting a block's lines from its summary, without reading it.
#include "storage/local_part.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "storage/part/line_templates.h"
#include "storage/part/part_writer.h"
#include "storage/storage.h"

namespace lode {
namespace {

class LocalPartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lode-lpart-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/1.part";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Stream 0: lines of a few shapes whose words and variables sometimes
  // hold the literals looked for; 1: the same with structured metadata;
  // 2: lines without shared shape (plain zstd blocks).
  void WriteParts(const part::PartWriterOptions& options) {
    std::mt19937_64 rng(11);
    const std::vector<std::string> levels = {"INFO", "WARN", "ERROR", "DEBUG"};
    const std::vector<std::string> words = {"alpha", "INFO", "xINFOy", "user", "b2b", "needle"};
    entries_.assign(3, {});
    for (int s = 0; s < 3; ++s) {
      for (int i = 0; i < 3000; ++i) {
        std::string line;
        if (s == 2) {
          line = std::string(1 + rng() % 40, static_cast<char>('a' + rng() % 26)) + " " +
                 std::to_string(rng());
        } else {
          switch (rng() % 4) {
            case 0:
              line = levels[rng() % 4] + " request " + std::to_string(rng() % 1000) + " took " +
                     std::to_string(rng() % 90) + "ms";
              break;
            case 1:
              line = "user=" + words[rng() % words.size()] + std::to_string(rng() % 9) + " said " +
                     levels[rng() % 4];
              break;
            case 2:
              line = "GET /" + words[rng() % words.size()] + "/" + std::to_string(rng() % 50) +
                     " INFO";
              break;
            default:
              line = "worker-" + std::to_string(rng() % 8) + " idle";
              break;
          }
        }
        Labels metadata;
        if (s == 1 && i % 3 == 0) metadata = Labels({{"trace_id", std::to_string(i)}});
        entries_[s].push_back(Entry{1000 + i, line, metadata});
      }
    }
    std::vector<part::StreamRecords> streams;
    for (int s = 0; s < 3; ++s) {
      part::StreamRecords r{Labels({{"s", std::to_string(s)}}), {}};
      for (const Entry& e : entries_[s]) r.entries.push_back(part::RecordRef::Of(e));
      streams.push_back(std::move(r));
    }
    ASSERT_TRUE(part::WritePart(Env::Default(), path_, streams, 0, options).ok());
    auto reader = part::PartReader::Open(Env::Default(), path_);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    part_ = std::make_unique<LocalPart>(1, std::move(*reader), std::vector<uint32_t>{0, 1, 2});
  }

  // Lines of block `index` holding every literal, by reading it.
  size_t BruteForce(size_t index, const std::vector<std::string>& literals) {
    std::string scratch;
    part::DecodedBlock block;
    EXPECT_TRUE(part_->ReadBlock(index, {}, true, {}, scratch, block).ok());
    size_t n = 0;
    for (size_t i = 0; i < block.size(); ++i) {
      bool all = true;
      for (const std::string& l : literals) all = all && block.line(i).find(l) != std::string::npos;
      n += all;
    }
    return n;
  }

  std::optional<uint64_t> Count(size_t index, const std::vector<std::string>& literals) {
    std::vector<std::string_view> views(literals.begin(), literals.end()), fragments;
    for (std::string_view l : views) {
      for (std::string_view f : part::LiteralFragments(l)) fragments.push_back(f);
    }
    return part_->CountFromSummary(index, views, fragments);
  }

  std::string dir_, path_;
  std::vector<std::vector<Entry>> entries_;
  std::unique_ptr<LocalPart> part_;
};

const std::vector<std::vector<std::string>> kLiteralSets = {
    {},         {"INFO"},  {"request"},    {"INFO", "took"}, {"idle"},
    {"xINFOy"}, {"NFO"},   {"needle"},     {"INFO request"}, {"zzz"},
    {"ms"},     {"user="}, {"worker"},     {"said WARN"},    {"42"},
    {""},       {"b2b"},   {"GET /alpha"},
};

TEST_F(LocalPartTest, SummaryCountsEqualReadingTheBlock) {
  part::PartWriterOptions options;
  options.block_max_records = 500;
  options.stream_block_raw_bytes = 0;
  WriteParts(options);
  size_t decided = 0, undecided = 0;
  for (size_t b = 0; b < part_->blocks().size(); ++b) {
    const uint32_t stream = part_->blocks()[b].stream;
    for (const auto& literals : kLiteralSets) {
      std::optional<uint64_t> n = Count(b, literals);
      if (stream == 1) {
        // Records with metadata: a count would lose it.
        EXPECT_FALSE(n.has_value()) << b;
        continue;
      }
      if (stream == 2 && literals.empty()) {
        ASSERT_TRUE(n.has_value());
      }
      if (stream == 0) ++(n ? decided : undecided);
      if (!n) continue;
      EXPECT_EQ(*n, BruteForce(b, literals))
          << "block " << b << " literal " << (literals.empty() ? "(none)" : literals[0]);
    }
  }
  // Most questions about the shaped stream are answered from summaries.
  EXPECT_GT(decided, undecided);
  // Every line counted when there is no literal; a literal that is only
  // ever inside string variables ("b2b", in tokens such as "b2b7") needs
  // the block; words of the templates' text do not.
  for (size_t b = 0; b < part_->blocks().size(); ++b) {
    if (part_->blocks()[b].stream != 0) continue;
    EXPECT_EQ(Count(b, {}), part_->blocks()[b].records);
    EXPECT_EQ(Count(b, {"b2b"}), std::nullopt);
    EXPECT_TRUE(Count(b, {"idle"}).has_value());
    EXPECT_TRUE(Count(b, {"request"}).has_value());
  }
}

TEST_F(LocalPartTest, PartsWithoutSummariesOrWithDamagedFiltersAreNeverCounted) {
  part::PartWriterOptions legacy;
  legacy.legacy_encoding = true;
  WriteParts(legacy);
  for (size_t b = 0; b < part_->blocks().size(); ++b) EXPECT_EQ(Count(b, {}), std::nullopt);

  WriteParts({});
  ASSERT_TRUE(Count(0, {}).has_value());
  // Damage the filters section: its checksum fails, nothing is counted.
  const uint64_t filters_start = part_->reader().filters_offset();
  part_.reset();
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(filters_start + 3));
    const char c = static_cast<char>(f.get());
    f.seekp(static_cast<std::streamoff>(filters_start + 3));
    f.put(static_cast<char>(c ^ 0x5a));
  }
  auto reader = part::PartReader::Open(Env::Default(), path_);
  ASSERT_TRUE(reader.ok());
  part_ = std::make_unique<LocalPart>(1, std::move(*reader), std::vector<uint32_t>{0, 1, 2});
  for (size_t b = 0; b < part_->blocks().size(); ++b) {
    EXPECT_EQ(Count(b, {}), std::nullopt);
    EXPECT_EQ(Count(b, {"idle"}), std::nullopt);
  }
}

TEST(CountWindows, ASpanFitsWhenNoWindowBeginsOrEndsInsideIt) {
  // Windows (10k - 30, 10k] for k < 5: ends 0, 10, 20, 30, 40.
  SelectRequest::CountWindows w{0, 10, 30, 5};
  EXPECT_TRUE(w.Contains(1, 10));    // in (−30,0]? no; (−20,10], (−10,20], (0,30] all hold it
  EXPECT_FALSE(w.Contains(5, 15));   // window ending at 10 holds 5 but not 15
  EXPECT_TRUE(w.Contains(10, 10));   // a single instant
  EXPECT_FALSE(w.Contains(0, 1));    // window ending at 0 holds 0, not 1
  EXPECT_FALSE(w.Contains(9, 11));   // ends at 10
  EXPECT_TRUE(w.Contains(41, 45));   // past every window: none touches it
  EXPECT_FALSE(w.Contains(35, 45));  // the last window ends at 40
  EXPECT_TRUE(w.Contains(-100, -31));
  EXPECT_FALSE(w.Contains(-31, -29));  // the first window begins at -30 (exclusive)
  // One window: only its own edges matter.
  SelectRequest::CountWindows one{100, 1, 100, 1};
  EXPECT_TRUE(one.Contains(1, 100));
  EXPECT_FALSE(one.Contains(0, 100));
  EXPECT_FALSE(one.Contains(1, 101));
  EXPECT_FALSE((SelectRequest::CountWindows{0, 0, 10, 3}.Contains(1, 2)));  // no step
}

}  // namespace
}  // namespace lode
