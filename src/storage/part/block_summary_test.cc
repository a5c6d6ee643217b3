#include "storage/part/block_summary.h"

#include <gtest/gtest.h>

#include "base/coding.h"

namespace lode::part {
namespace {

TEST(BlockSummary, RoundTrips) {
  std::string bytes;
  std::vector<std::pair<uint32_t, uint64_t>> lines = {{0, 3}, {7, 1}, {8, 96}, {300, 900}};
  PutBlockSummary(bytes, false, &lines);
  BlockSummary s;
  ASSERT_TRUE(ParseBlockSummary(bytes, 1000, 301, s));
  EXPECT_FALSE(s.has_metadata);
  EXPECT_TRUE(s.has_templates);
  EXPECT_EQ(s.template_lines, lines);
  bytes.clear();
  PutBlockSummary(bytes, true, nullptr);
  ASSERT_TRUE(ParseBlockSummary(bytes, 5, 0, s));
  EXPECT_TRUE(s.has_metadata);
  EXPECT_FALSE(s.has_templates);
  EXPECT_TRUE(s.template_lines.empty());
}

TEST(BlockSummary, MalformedSummariesAreNotTrusted) {
  std::string good;
  std::vector<std::pair<uint32_t, uint64_t>> lines = {{2, 10}, {5, 20}};
  PutBlockSummary(good, false, &lines);
  BlockSummary s;
  ASSERT_TRUE(ParseBlockSummary(good, 30, 6, s));
  EXPECT_FALSE(ParseBlockSummary(good, 31, 6, s));  // counts do not add up
  EXPECT_FALSE(ParseBlockSummary(good, 30, 5, s));  // an id past the dictionary
  EXPECT_FALSE(ParseBlockSummary(good + "x", 30, 6, s));
  EXPECT_FALSE(ParseBlockSummary("", 30, 6, s));
  EXPECT_FALSE(ParseBlockSummary(std::string(1, '\x04'), 0, 6, s));  // unknown flag
  for (size_t cut = 1; cut < good.size(); ++cut) {
    EXPECT_FALSE(ParseBlockSummary(good.substr(0, cut), 30, 6, s)) << cut;
  }
  std::string zero;  // a template with no line
  zero.push_back(2);
  PutVarint64(zero, 2);
  PutVarint64(zero, 0);
  PutVarint64(zero, 0);
  PutVarint64(zero, 0);
  PutVarint64(zero, 30);
  EXPECT_FALSE(ParseBlockSummary(zero, 30, 6, s));
  // Every flipped bit is caught or still adds up to the block's records.
  for (size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      if (!ParseBlockSummary(bad, 30, 6, s)) continue;
      uint64_t total = 0;
      for (const auto& [id, n] : s.template_lines) total += n;
      EXPECT_TRUE(!s.has_templates || total == 30);
    }
  }
}

}  // namespace
}  // namespace lode::part
